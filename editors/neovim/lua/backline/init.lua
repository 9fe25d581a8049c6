--- Backline for Neovim: starts `backline lsp` for Backstage catalog files, next to whatever YAML
--- server is already configured, and adds :BacklineOwner, :BacklineCheck and :BacklineRestart.
---
--- Works on Neovim 0.7 (Debian 12's version: `vim.lsp.start_client` + `vim.lsp.buf_attach_client`,
--- one client per root kept here) and on 0.8+ (`vim.lsp.start`, which reuses clients by name and
--- root itself). Catalog files are recognised by the same rules the server and the VS Code
--- extension use, so non-catalog YAML never reaches the server.
local M = {}

--- How much of a buffer the content check reads (catalog files put `apiVersion` first).
M.HEAD_LINES = 100
M.HEAD_CHARS = 4096

M.defaults = {
  --- The server command; the first element may be a path or a name on PATH.
  cmd = { "backline", "lsp" },
  --- Extra catalogs: directories, Backline index files (*.db), postgres:// URLs. Relative paths are
  --- resolved against the root of the buffer's workspace.
  catalogs = {},
  --- Severity per finding code: { BL0101 = "error" } ("off", "hint", "warning", "error").
  lints = {},
  --- Server-side trace level sent to the server ("off", "messages", "verbose").
  trace = "off",
  --- Files or directories that mark a workspace root; the buffer's directory otherwise.
  root_markers = { ".git" },
  --- Passed through to the client.
  on_attach = nil,
  capabilities = nil,
  --- Attach automatically on FileType yaml / BufReadPost; false = only via require("backline").attach().
  autostart = true,
}

M.config = vim.deepcopy(M.defaults)

--- root directory -> client id (used on 0.7, and to find the clients for :BacklineRestart).
local clients_by_root = {}

local has_08 = vim.fn.has("nvim-0.8") == 1
local has_011 = vim.fn.has("nvim-0.11") == 1

-- Method calls on client objects changed from `client.request(...)` to `client:request(...)` in 0.11.
local function client_request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function client_notify(client, method, params)
  if has_011 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

local function client_stop(client, force)
  if has_011 then
    return client:stop(force)
  end
  return client.stop(force)
end

local function client_is_stopped(client)
  if has_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

local function active_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = "backline" })
  end
  local out = {}
  for _, client in ipairs(vim.lsp.get_active_clients()) do
    if client.name == "backline" then
      table.insert(out, client)
    end
  end
  return out
end

local function notify(message, level)
  vim.notify("Backline: " .. message, level or vim.log.levels.INFO)
end

local function basename(path)
  return path:match("([^/\\]+)$") or path
end

--- `catalog-info.yaml` or `<anything>.catalog-info.yaml`.
function M.is_catalog_file_name(path)
  local name = basename(path)
  if name == "catalog-info.yaml" then
    return true
  end
  local suffix = ".catalog-info.yaml"
  return #name > #suffix and name:sub(-#suffix) == suffix
end

local function is_yaml_file_name(path)
  local name = basename(path):lower()
  return name:sub(-5) == ".yaml" or name:sub(-4) == ".yml"
end

--- Whether the lines declare a top-level Backstage (or Scaffolder) apiVersion. Only unindented
--- keys count: an indented `apiVersion` belongs to some document that embeds an entity.
function M.declares_backstage_api_version(lines)
  local seen = 0
  for index, line in ipairs(lines) do
    if index > M.HEAD_LINES or seen > M.HEAD_CHARS then
      break
    end
    seen = seen + #line + 1
    if index == 1 then
      line = line:gsub("^\239\187\191", "") -- UTF-8 BOM
    end
    local value = line:match("^[\"']?apiVersion[\"']?[ \t]*:[ \t]*[\"']?([%w%.%-]+/)")
    if value == "backstage.io/" or value == "scaffolder.backstage.io/" then
      return true
    end
  end
  return false
end

--- The whole rule: by name, or a .yaml/.yml file whose head declares a Backstage apiVersion.
function M.is_catalog_file(path, lines)
  if M.is_catalog_file_name(path) then
    return true
  end
  return is_yaml_file_name(path) and M.declares_backstage_api_version(lines or {})
end

--- Nearest ancestor directory of `path` holding one of the root markers, else `path`'s directory.
function M.find_root(path)
  local markers = M.config.root_markers or { ".git" }
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local current = dir
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(current .. "/" .. marker) then
        return current
      end
    end
    local parent = vim.fn.fnamemodify(current, ":h")
    if parent == current then
      return dir
    end
    current = parent
  end
end

local function is_absolute(path)
  return path:sub(1, 1) == "/" or path:match("^%a:[/\\]") ~= nil or path:sub(1, 2) == "\\\\"
end

--- One `catalogs` entry made absolute: `~` is the home directory, relative paths are relative to
--- the workspace root, postgres:// URLs stay as they are. Returns nil for an empty entry.
function M.resolve_catalog(entry, root)
  local value = vim.trim(entry)
  if value == "" then
    return nil
  end
  if value:match("^postgres://") or value:match("^postgresql://") then
    return value
  end
  if value == "~" or value:sub(1, 2) == "~/" then
    value = vim.loop.os_homedir() .. value:sub(2)
  end
  if not is_absolute(value) and root then
    value = root .. "/" .. value
  end
  value = vim.fn.simplify(value)
  if #value > 1 then
    value = value:gsub("[/\\]$", "")
  end
  return value
end

--- The server contract's settings object for a workspace root.
function M.server_settings(root)
  local catalogs = {}
  for _, entry in ipairs(M.config.catalogs or {}) do
    local value = M.resolve_catalog(entry, root)
    if value then
      table.insert(catalogs, value)
    end
  end
  -- An empty Lua table would be encoded as [], the contract wants an object.
  local lints = vim.empty_dict()
  for code, level in pairs(M.config.lints or {}) do
    lints[code] = level
  end
  return { catalogs = catalogs, lints = lints, trace = M.config.trace or "off" }
end

local function client_config(root)
  local settings = M.server_settings(root)
  return {
    name = "backline",
    cmd = M.config.cmd,
    root_dir = root,
    init_options = settings,
    settings = { backline = settings },
    -- Neovim sends the filetype as languageId; catalog files are YAML even if filetype is unset.
    get_language_id = function()
      return "yaml"
    end,
    capabilities = M.config.capabilities or vim.lsp.protocol.make_client_capabilities(),
    on_attach = M.config.on_attach,
    trace = M.config.trace,
    -- Neovim 0.7 never sends didChangeConfiguration by itself; the contract accepts settings both
    -- ways, and servers that only look at the notification would otherwise miss them.
    on_init = function(client)
      client_notify(client, "workspace/didChangeConfiguration", { settings = client.config.settings })
    end,
    on_exit = function(_, _, client_id)
      if clients_by_root[root] == client_id then
        clients_by_root[root] = nil
      end
    end,
  }
end

local function live_client(id)
  local client = id and vim.lsp.get_client_by_id(id)
  if client and not client_is_stopped(client) then
    return client
  end
  return nil
end

--- Attaches the Backline server to `bufnr` if it is a catalog file; returns the client id or nil.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or name:match("^%a[%w+.-]*://") then
    return nil -- unnamed or not on disk (fugitive://, oil://, ...)
  end
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, M.HEAD_LINES, false)
  if not M.is_catalog_file(name, lines) then
    return nil
  end
  local root = M.find_root(name)

  local existing = live_client(clients_by_root[root])
  if existing then
    if not vim.lsp.buf_is_attached(bufnr, existing.id) then
      vim.lsp.buf_attach_client(bufnr, existing.id)
    end
    return existing.id
  end

  local id
  if has_08 then
    id = vim.lsp.start(client_config(root), { bufnr = bufnr })
  else
    id = vim.lsp.start_client(client_config(root))
    if id then
      vim.lsp.buf_attach_client(bufnr, id)
    end
  end
  if not id then
    notify("could not start " .. table.concat(M.config.cmd, " "), vim.log.levels.ERROR)
    return nil
  end
  clients_by_root[root] = id
  return id
end

--- The Backline client attached to `bufnr`, else any running Backline client.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local fallback
  for _, client in ipairs(active_clients()) do
    if vim.lsp.buf_is_attached(bufnr, client.id) then
      return client
    end
    fallback = fallback or client
  end
  return fallback
end

--- :BacklineOwner — who owns the entity (or the reference) under the cursor.
function M.owner()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client or not vim.lsp.buf_is_attached(bufnr, client.id) then
    notify("this buffer is not a catalog file with a running Backline server", vim.log.levels.WARN)
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local request = {
    command = "backline.ownerAt",
    arguments = { { uri = params.textDocument.uri, position = params.position } },
  }
  client_request(client, "workspace/executeCommand", request, function(err, result)
    if err then
      notify("ownerAt failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if result == nil or result == vim.NIL then
      notify("no entity or entity reference under the cursor")
      return
    end
    local summary = string.format("%s is owned by %s", tostring(result.entity), tostring(result.owner))
    local markdown = type(result.markdown) == "string" and result.markdown or ""
    if markdown == "" then
      notify(summary)
      return
    end
    local lines = vim.split(markdown, "\n", { plain = true })
    vim.lsp.util.open_floating_preview(lines, "markdown", { border = "rounded", focus_id = "backline-owner" })
  end, bufnr)
end

--- :BacklineCheck — checks every catalog file of the workspace and reports the counts; the
--- findings arrive as diagnostics and are put in the quickfix list.
function M.check()
  local client = M.client(0)
  if not client then
    notify("no Backline server is running; open a catalog file first", vim.log.levels.WARN)
    return
  end
  client_request(client, "workspace/executeCommand", { command = "backline.checkWorkspace" }, function(err, result)
    if err then
      notify("checkWorkspace failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if type(result) ~= "table" then
      notify("unexpected answer: " .. vim.inspect(result), vim.log.levels.ERROR)
      return
    end
    local function count(n, one, many)
      n = tonumber(n) or 0
      return string.format("%d %s", n, n == 1 and one or many)
    end
    local errors, warnings = tonumber(result.errors) or 0, tonumber(result.warnings) or 0
    notify(
      string.format(
        "checked %s: %s, %s%s",
        count(result.files, "catalog file", "catalog files"),
        count(errors, "error", "errors"),
        count(warnings, "warning", "warnings"),
        (errors + warnings) > 0 and " (:copen to list them)" or ""
      ),
      errors > 0 and vim.log.levels.WARN or vim.log.levels.INFO
    )
    local namespace = vim.lsp.diagnostic.get_namespace(client.id)
    vim.diagnostic.setqflist({ namespace = namespace, open = false, title = "Backline" })
  end, 0)
end

--- :BacklineRestart — stops every Backline client and re-attaches the catalog buffers.
function M.restart()
  local buffers = {}
  for _, client in ipairs(active_clients()) do
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.lsp.buf_is_attached(bufnr, client.id) then
        buffers[bufnr] = true
      end
    end
    client_stop(client)
    if not vim.wait(3000, function()
      return client_is_stopped(client)
    end, 20) then
      client_stop(client, true)
    end
  end
  clients_by_root = {}
  for bufnr in pairs(buffers) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.attach(bufnr)
    end
  end
  notify("server restarted")
end

--- Changes settings (catalogs, lints, trace) at run time and sends them to every running server
--- as workspace/didChangeConfiguration, e.g. update_settings({ lints = { BL0101 = "off" } }).
function M.update_settings(opts)
  for _, key in ipairs({ "catalogs", "lints", "trace" }) do
    if opts[key] ~= nil then
      M.config[key] = opts[key]
    end
  end
  for _, client in ipairs(active_clients()) do
    local settings = { backline = M.server_settings(client.config.root_dir) }
    client.config.settings = settings
    client_notify(client, "workspace/didChangeConfiguration", { settings = settings })
  end
end

--- Configures the plugin; call once. Attaches to catalog buffers already open.
function M.setup(opts)
  M.config = vim.tbl_extend("force", vim.deepcopy(M.defaults), opts or {})

  vim.api.nvim_create_user_command("BacklineOwner", M.owner, { desc = "Backline: owner of the entity under the cursor" })
  vim.api.nvim_create_user_command("BacklineCheck", M.check, { desc = "Backline: check every catalog file of the workspace" })
  vim.api.nvim_create_user_command("BacklineRestart", M.restart, { desc = "Backline: restart the language server" })

  local group = vim.api.nvim_create_augroup("backline", { clear = true })
  if M.config.autostart then
    vim.api.nvim_create_autocmd("FileType", {
      group = group,
      pattern = "yaml",
      callback = function(args)
        M.attach(args.buf)
      end,
    })
    -- For buffers whose filetype is not (yet) yaml, and for files that became catalog files when
    -- their apiVersion line was written.
    vim.api.nvim_create_autocmd({ "BufReadPost", "BufWritePost" }, {
      group = group,
      pattern = { "*.yaml", "*.yml" },
      callback = function(args)
        M.attach(args.buf)
      end,
    })
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        M.attach(bufnr)
      end
    end
  end
end

return M
