-- Helpers shared by the Neovim test scenarios: bounded waiting, finding the Backline client of a
-- buffer, locating text in a buffer, and writing JSON. Every wait takes a timeout
-- (BACKLINE_NVIM_TIMEOUT_MS, default 15 s) so a silent server fails a step instead of hanging.
local H = {}

H.timeout_ms = tonumber(os.getenv("BACKLINE_NVIM_TIMEOUT_MS") or "") or 15000

function H.write_json(path, value)
  local file = assert(io.open(path, "w"))
  file:write(vim.json.encode(value))
  file:close()
end

--- Waits for `predicate` to return a truthy value; returns it, or nil after the timeout.
function H.wait(predicate, timeout_ms)
  local value
  vim.wait(timeout_ms or H.timeout_ms, function()
    value = predicate()
    return value and true or false
  end, 20)
  return value
end

function H.backline_client(bufnr)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ name = "backline" }) or vim.lsp.get_active_clients()
  for _, client in ipairs(clients) do
    if client.name == "backline" and vim.lsp.buf_is_attached(bufnr, client.id) then
      return client
    end
  end
  return nil
end

function H.backline_clients()
  local out = {}
  local clients = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  for _, client in ipairs(clients) do
    if client.name == "backline" then
      table.insert(out, client)
    end
  end
  return out
end

--- Opens `path` in the current window (autocommands run) and returns its buffer number.
function H.edit(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

--- Waits until a Backline client is attached to `bufnr` and initialised; returns it or nil.
function H.wait_attached(bufnr)
  return H.wait(function()
    local client = H.backline_client(bufnr)
    if client and client.server_capabilities ~= nil and client.initialized ~= false then
      return client
    end
    return nil
  end)
end

--- Zero-based line and byte column of the first match of the plain string `needle` in `bufnr`.
function H.find(bufnr, needle)
  for index, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return index - 1, col - 1
    end
  end
  error("text not found in buffer: " .. needle)
end

--- Runs `fn`, storing its result (or its error) under results.steps[name]; one failing step does
--- not stop the others, so the report shows every symptom at once.
function H.step(results, name, fn)
  results.steps = results.steps or {}
  local ok, value = xpcall(fn, debug.traceback)
  if ok then
    results.steps[name] = value == nil and vim.NIL or value
  else
    results.steps[name] = { error = tostring(value) }
  end
end

return H
