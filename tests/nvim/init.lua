-- Entry point of the headless Neovim runs in tests/nvim.rs: puts OUR plugin (editors/neovim) on
-- the runtimepath, then runs one scenario file once startup is complete and writes what it saw as
-- JSON for the Rust test to assert on. Any Lua error is recorded too and makes Neovim exit non-zero,
-- so a broken scenario never looks like a pass and never leaves Neovim waiting for input.
local function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error("environment variable " .. name .. " is not set")
  end
  return value
end

local plugin_dir = env("BACKLINE_NVIM_PLUGIN")
local scenario_file = env("BACKLINE_NVIM_SCENARIO")
local output_file = env("BACKLINE_NVIM_OUTPUT")
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")

vim.opt.runtimepath:prepend(plugin_dir)
vim.o.swapfile = false
vim.o.more = false

local harness = dofile(here .. "/harness.lua")
harness.output_file = output_file

vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = function()
    -- Scheduled so that autocommands (FileType, BufReadPost) fire for files the scenario opens;
    -- they would not nest inside this VimEnter callback.
    vim.schedule(function()
      local results = { nvim_version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor) .. "." .. tostring(vim.version().patch) }
      local ok, err = xpcall(function()
        dofile(scenario_file)(harness, results)
      end, debug.traceback)
      if not ok then
        results.error = tostring(err)
      end
      harness.write_json(output_file, results)
      vim.cmd(ok and "qall!" or "cquit! 3")
    end)
  end,
})
