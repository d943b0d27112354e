-- One editing session in headless Neovim 0.7, set up as the README's `vim.lsp.start_client` snippet
-- (settings through init_options), driven as a user would: open the file, wait for the diagnostics, put
-- the cursor on a finding and pick its fix from `vim.lsp.buf.code_action()`'s menu. Neovim 0.7 asks
-- `codeAction/resolve` for the edit of an action that comes without one.
-- Reads MSMIGRATE_NVIM_* from the environment; writes what it saw as JSON to MSMIGRATE_NVIM_OUTPUT.
local env = vim.env
local seen = { diagnostics = {}, offered = {}, chosen = nil, after = {}, lines = {}, errors = {} }

local function diagnostics_of(bufnr)
  local found = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = (diagnostic.user_data or {}).lsp or {}
    table.insert(found, {
      code = diagnostic.code or lsp.code,
      source = diagnostic.source or lsp.source,
      line = diagnostic.lnum + 1,
      column = diagnostic.col + 1,
      severity = diagnostic.severity,
    })
  end
  return found
end

local function finish()
  local handle = io.open(env.MSMIGRATE_NVIM_OUTPUT, "w")
  handle:write(vim.fn.json_encode(seen))
  handle:close()
  vim.cmd("qall!")
end

local ok, problem = pcall(function()
  local client_id = vim.lsp.start_client({
    name = "msmigrate",
    cmd = { env.MSMIGRATE_NVIM_PYTHON, "-m", "msmigrate", "serve" },
    root_dir = env.MSMIGRATE_NVIM_ROOT,
    init_options = { settings = vim.fn.json_decode(env.MSMIGRATE_NVIM_SETTINGS) },
  })
  vim.cmd("edit " .. vim.fn.fnameescape(env.MSMIGRATE_NVIM_FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(bufnr, client_id)

  local expected = tonumber(env.MSMIGRATE_NVIM_EXPECTED)
  vim.wait(60000, function() return #vim.diagnostic.get(bufnr) >= expected end, 100)
  vim.wait(1000) -- a publish after the expected count would be a different answer: let it arrive
  seen.diagnostics = diagnostics_of(bufnr)

  -- The user's pick from the code action menu: the fix with the expected title.
  vim.ui.select = function(items, _, on_choice)
    for _, item in ipairs(items) do
      table.insert(seen.offered, item[2].title)
    end
    for index, item in ipairs(items) do
      local action = item[2]
      if action.title == env.MSMIGRATE_NVIM_FIX_TITLE then
        seen.chosen = { title = action.title, had_edit = action.edit ~= nil }
        on_choice(item, index)
        return
      end
    end
    on_choice(nil, nil)
  end
  vim.api.nvim_win_set_cursor(0, { tonumber(env.MSMIGRATE_NVIM_FIX_LINE), tonumber(env.MSMIGRATE_NVIM_FIX_COLUMN) - 1 })
  vim.lsp.buf.code_action()
  local fixed = vim.wait(30000, function()
    for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
      if string.find(line, env.MSMIGRATE_NVIM_FIX_AFTER, 1, true) then return true end
    end
    return false
  end, 100)
  seen.fixed = fixed
  -- After the edit the server publishes the new version's diagnostics.
  vim.wait(30000, function() return #vim.diagnostic.get(bufnr) == expected - 1 end, 100)
  seen.after = diagnostics_of(bufnr)
  seen.lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  seen.encoding = vim.lsp.get_client_by_id(client_id).offset_encoding
  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 100)
end)
if not ok then
  table.insert(seen.errors, tostring(problem))
end
finish()
