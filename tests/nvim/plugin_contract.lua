-- Scenario: the Neovim plugin against tests/nvim/fake_server.py. Checks what the plugin decides on
-- its own: which buffers get the server (by name, by content, and the near misses that must not),
-- one client per workspace root, and what :BacklineOwner, :BacklineCheck and :BacklineRestart do.
-- The Rust side checks the messages the fake server recorded.
return function(H, results)
  local ws = os.getenv("BACKLINE_TEST_WORKSPACE")
  local other = os.getenv("BACKLINE_TEST_OTHER_ROOT")
  local fake = os.getenv("BACKLINE_TEST_FAKE_SERVER")

  local notifications = {}
  local original_notify = vim.notify
  vim.notify = function(message, level, opts)
    table.insert(notifications, { message = message, level = level })
    return original_notify(message, level, opts)
  end

  require("backline").setup({
    cmd = { "python3", fake, "lsp" },
    catalogs = { "catalogs/extra", "/srv/index.db", "postgres://db/catalog" },
    lints = { BL0101 = "error" },
  })

  H.step(results, "attach", function()
    local files = {
      "catalog-info.yaml",
      "billing/payments.catalog-info.yaml",
      "org.yaml",
      "k8s/deploy.yaml",
      "notes.yaml",
      "indented.yaml",
      "catalog-info.yml",
    }
    local buffers = {}
    for _, name in ipairs(files) do
      buffers[name] = H.edit(ws .. "/" .. name)
    end
    -- Neovim 0.7 lists a client only once it is initialised: wait for that, then read attachments.
    H.wait(function()
      return #H.backline_clients() > 0 and H.backline_client(buffers["catalog-info.yaml"]) ~= nil
    end)
    local attached = {}
    for name, bufnr in pairs(buffers) do
      local client = H.backline_client(bufnr)
      attached[name] = client and client.id or false
    end
    local other_buf = H.edit(other .. "/catalog-info.yaml")
    local other_client = H.wait_attached(other_buf)
    attached["other/catalog-info.yaml"] = other_client and other_client.id or false

    local roots = {}
    for _, client in ipairs(H.backline_clients()) do
      roots[tostring(client.id)] = client.config.root_dir
    end
    return { attached = attached, roots = roots }
  end)

  H.step(results, "owner", function()
    local bufnr = H.edit(ws .. "/catalog-info.yaml")
    vim.api.nvim_win_set_cursor(0, { 3, 3 }) -- line 3 (1-based), byte column 3
    vim.cmd("BacklineOwner")
    local float = H.wait(function()
      for _, win in ipairs(vim.api.nvim_list_wins()) do
        if vim.api.nvim_win_get_config(win).relative ~= "" then
          return win
        end
      end
      return nil
    end)
    local lines = float and vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false) or false
    if float then
      vim.api.nvim_win_close(float, true)
    end
    return { float_lines = lines, buffer = vim.api.nvim_buf_get_name(bufnr) }
  end)

  H.step(results, "check", function()
    vim.cmd("BacklineCheck")
    local items = H.wait(function()
      local list = vim.fn.getqflist({ title = 1, items = 1 })
      if list.title == "Backline" and #list.items > 0 then
        return list.items
      end
      return nil
    end)
    local qf = {}
    for _, item in ipairs(items or {}) do
      table.insert(qf, { file = vim.api.nvim_buf_get_name(item.bufnr), lnum = item.lnum, col = item.col, text = item.text })
    end
    local messages = {}
    for _, n in ipairs(notifications) do
      table.insert(messages, n.message)
    end
    return { quickfix = qf, notifications = messages }
  end)

  H.step(results, "becomes_catalog", function()
    -- A new YAML file is not a catalog file until its apiVersion line is written.
    local bufnr = H.edit(ws .. "/later.yaml")
    local before = H.backline_client(bufnr)
    vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, {
      "apiVersion: backstage.io/v1alpha1",
      "kind: System",
      "metadata:",
      "  name: payments",
      "spec:",
      "  owner: team-a",
    })
    vim.cmd("write")
    local after = H.wait_attached(bufnr)
    return { before = before and before.id or false, after = after and after.id or false }
  end)

  H.step(results, "update_settings", function()
    require("backline").update_settings({ lints = { BL0101 = "off" } })
    return true
  end)

  H.step(results, "restart", function()
    local bufnr = H.edit(ws .. "/catalog-info.yaml")
    local before = H.backline_client(bufnr).id
    vim.cmd("BacklineRestart")
    local after = H.wait_attached(bufnr)
    local org = vim.fn.bufnr(ws .. "/org.yaml")
    local org_client = H.backline_client(org)
    -- The other root's server restarts too; wait for it so that it is stopped cleanly below.
    local other_client = H.wait_attached(vim.fn.bufnr(other .. "/catalog-info.yaml"))
    return {
      before = before,
      after = after and after.id or false,
      org_after = org_client and org_client.id or false,
      other_after = other_client and other_client.id or false,
      clients = #H.backline_clients(),
    }
  end)

  -- Stop the clients so the fake servers log shutdown/exit before Neovim quits.
  for _, client in ipairs(H.backline_clients()) do
    if vim.fn.has("nvim-0.11") == 1 then
      client:stop()
    else
      client.stop()
    end
  end
  H.wait(function()
    return #H.backline_clients() == 0
  end, 3000)
end
