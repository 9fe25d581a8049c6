-- Scenario: what a user of the Neovim plugin sees with the real `backline lsp` on a small
-- multi-file workspace (org.yaml with Group team-a, catalog-info.yaml with owner team-ghost,
-- billing/catalog-info.yaml with lifecycle prodution). Only org.yaml is never opened: everything
-- the server knows about team-a it must learn from the workspace itself.
--
-- Records raw LSP data (diagnostics, completion items, locations, code actions, buffer text);
-- tests/nvim.rs decides what is right.
return function(H, results)
  local ws = os.getenv("BACKLINE_TEST_WORKSPACE")
  local server = os.getenv("BACKLINE_TEST_SERVER")

  -- Keep the raw publishDiagnostics payloads: exact ranges, codes and messages as the server sent them.
  local published = {}
  local original = vim.lsp.handlers["textDocument/publishDiagnostics"]
  vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
    if result and result.uri then
      published[result.uri] = result.diagnostics
    end
    return original(err, result, ctx, config)
  end

  local server_errors = {}
  vim.lsp.handlers["window/showMessage"] = function(_, result)
    if result and result.type == 1 then
      table.insert(server_errors, result.message)
    end
  end

  require("backline").setup({ cmd = { server, "lsp" }, catalogs = {} })

  local payments_path = ws .. "/catalog-info.yaml"
  local billing_path = ws .. "/billing/catalog-info.yaml"
  local payments_uri = vim.uri_from_fname(payments_path)
  local billing_uri = vim.uri_from_fname(billing_path)

  local payments = H.edit(payments_path)
  -- The plugin already attached on BufReadPost/FileType; attach() returns that client's id. Wait
  -- for it to initialise, or to be gone (a server that exits early should fail fast, not time out).
  local id = require("backline").attach(payments)
  local outcome = id and H.wait(function()
    local c = vim.lsp.get_client_by_id(id)
    if c == nil then
      return "exited"
    end
    if c.server_capabilities ~= nil and H.backline_client(payments) then
      return "attached"
    end
    return nil
  end)
  results.attached = outcome == "attached"
  results.attach_outcome = outcome or (id and "timeout" or "not started")
  local client = results.attached and H.backline_client(payments) or nil
  if not client then
    results.server_errors = server_errors
    return
  end
  results.server_name = client.server_info and client.server_info.name or vim.NIL
  results.offset_encoding = client.offset_encoding

  local function diagnostics_mentioning(uri, needle)
    for _, diagnostic in ipairs(published[uri] or {}) do
      if diagnostic.message:find(needle, 1, true) then
        return diagnostic
      end
    end
    return nil
  end

  H.step(results, "dangling_owner", function()
    H.wait(function()
      return diagnostics_mentioning(payments_uri, "team-ghost")
    end)
    return { diagnostics = published[payments_uri] or {} }
  end)

  H.step(results, "completion", function()
    local line = H.find(payments, "owner: team-ghost")
    local original_line = vim.api.nvim_buf_get_lines(payments, line, line + 1, false)[1]
    vim.api.nvim_buf_set_lines(payments, line, line + 1, false, { "  owner: " })
    local response, err = vim.lsp.buf_request_sync(payments, "textDocument/completion", {
      textDocument = { uri = payments_uri },
      position = { line = line, character = 9 },
      context = { triggerKind = 1 },
    }, H.timeout_ms)
    vim.api.nvim_buf_set_lines(payments, line, line + 1, false, { original_line })
    if not response then
      error("completion request failed: " .. tostring(err))
    end
    local items = {}
    for _, answer in pairs(response) do
      if answer.error then
        error("completion error: " .. vim.inspect(answer.error))
      end
      local result = answer.result
      local list = type(result) == "table" and (result.items or result) or {}
      for _, item in ipairs(list) do
        table.insert(items, {
          label = item.label,
          insertText = item.insertText,
          filterText = item.filterText,
          newText = item.textEdit and item.textEdit.newText or nil,
        })
      end
    end
    return { line = line, items = items }
  end)

  local billing = H.edit(billing_path)
  H.wait_attached(billing)

  H.step(results, "definition", function()
    local line, col = H.find(billing, "team-a")
    local response, err = vim.lsp.buf_request_sync(billing, "textDocument/definition", {
      textDocument = { uri = billing_uri },
      position = { line = line, character = col + 2 },
    }, H.timeout_ms)
    if not response then
      error("definition request failed: " .. tostring(err))
    end
    local locations = {}
    for _, answer in pairs(response) do
      if answer.error then
        error("definition error: " .. vim.inspect(answer.error))
      end
      local result = answer.result
      if type(result) == "table" then
        if result.uri or result.targetUri then
          result = { result }
        end
        for _, location in ipairs(result) do
          table.insert(locations, {
            uri = location.uri or location.targetUri,
            range = location.range or location.targetSelectionRange or location.targetRange,
          })
        end
      end
    end
    return { from = { line = line, character = col + 2 }, locations = locations }
  end)

  -- The plugin's own commands against the real server, as a user runs them.
  H.step(results, "commands", function()
    local notifications = {}
    local original_notify = vim.notify
    vim.notify = function(message, level, opts)
      table.insert(notifications, message)
      return original_notify(message, level, opts)
    end
    local line, col = H.find(billing, "team-a")
    vim.api.nvim_win_set_cursor(0, { line + 1, col + 2 })
    vim.cmd("BacklineOwner")
    local float = H.wait(function()
      for _, win in ipairs(vim.api.nvim_list_wins()) do
        if vim.api.nvim_win_get_config(win).relative ~= "" then
          return win
        end
      end
      return nil
    end)
    local owner = float and vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false) or false
    if float then
      vim.api.nvim_win_close(float, true)
    end
    vim.cmd("BacklineCheck")
    local items = H.wait(function()
      local list = vim.fn.getqflist({ title = 1, items = 1 })
      return list.title == "Backline" and list.items or nil
    end)
    local quickfix = {}
    for _, item in ipairs(items or {}) do
      table.insert(quickfix, { file = vim.api.nvim_buf_get_name(item.bufnr), lnum = item.lnum, col = item.col, text = item.text })
    end
    vim.notify = original_notify
    return { owner_float = owner, quickfix = quickfix, notifications = notifications }
  end)

  H.step(results, "quick_fix", function()
    local line = H.find(billing, "lifecycle: prodution")
    local diagnostic = H.wait(function()
      for _, d in ipairs(published[billing_uri] or {}) do
        if d.range.start.line == line then
          return d
        end
      end
      return nil
    end)
    if not diagnostic then
      error("no diagnostic on the lifecycle line " .. line .. "; got " .. vim.inspect(published[billing_uri]))
    end
    local response, err = vim.lsp.buf_request_sync(billing, "textDocument/codeAction", {
      textDocument = { uri = billing_uri },
      range = diagnostic.range,
      context = { diagnostics = { diagnostic } },
    }, H.timeout_ms)
    if not response then
      error("codeAction request failed: " .. tostring(err))
    end
    local actions = {}
    for _, answer in pairs(response) do
      for _, action in ipairs(answer.result or {}) do
        table.insert(actions, action)
      end
    end
    local titles = {}
    for _, action in ipairs(actions) do
      table.insert(titles, action.title)
    end
    -- Prefer the action that writes "production"; then the preferred one; then the first.
    local chosen
    for _, action in ipairs(actions) do
      if vim.inspect(action.edit or action.command or {}):find("production", 1, true) then
        chosen = action
        break
      end
    end
    if not chosen then
      for _, action in ipairs(actions) do
        if action.isPreferred then
          chosen = action
          break
        end
      end
    end
    chosen = chosen or actions[1]
    if not chosen then
      return { diagnostic = diagnostic, titles = titles, applied = false, line_text = vim.api.nvim_buf_get_lines(billing, line, line + 1, false)[1] }
    end
    if not chosen.edit and not chosen.command and chosen.data ~= nil then
      local resolved = vim.lsp.buf_request_sync(billing, "codeAction/resolve", chosen, H.timeout_ms)
      for _, answer in pairs(resolved or {}) do
        chosen = answer.result or chosen
      end
    end
    local backline = H.backline_client(billing)
    if chosen.edit then
      vim.lsp.util.apply_workspace_edit(chosen.edit, backline.offset_encoding)
    end
    local command = type(chosen.command) == "table" and chosen.command or (type(chosen.command) == "string" and chosen or nil)
    if command then
      vim.lsp.buf_request_sync(billing, "workspace/executeCommand", {
        command = command.command,
        arguments = command.arguments,
      }, H.timeout_ms)
    end
    H.wait(function()
      local text = vim.api.nvim_buf_get_lines(billing, line, line + 1, false)[1]
      return text:find("production", 1, true)
    end, 3000)
    return {
      diagnostic = diagnostic,
      titles = titles,
      chosen = chosen.title,
      applied = true,
      line_text = vim.api.nvim_buf_get_lines(billing, line, line + 1, false)[1],
    }
  end)

  results.server_errors = server_errors
  results.backline_clients = #H.backline_clients()
end
