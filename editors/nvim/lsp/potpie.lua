-- Default config for `vim.lsp.enable('potpie')` (Neovim ≥ 0.11 reads lsp/<name>.lua from
-- 'runtimepath'). Works without require('potpie').setup(): the server opens each answer file
-- itself (window/showDocument) and publishes citations as Hint diagnostics.
-- No `filetypes`: the client attaches to every filetype.
local root = require('potpie.root')

---@type vim.lsp.Config
return {
  cmd = { 'potpie-lsp' },
  -- the project of the file: the nearest .git (or another marker of lua/potpie/root.lua),
  -- else the working directory when the file lies inside it; never ~ or /
  root_dir = function(bufnr, on_dir)
    local fname = vim.api.nvim_buf_get_name(bufnr)
    if fname == '' or vim.bo[bufnr].buftype ~= '' then
      return
    end
    local dir = root.find(fname, root.default_markers, vim.fn.getcwd())
    if dir then
      on_dir(dir)
    end
  end,
  -- no server of its own for files outside a project (e.g. the answer files it opens)
  workspace_required = true,
  init_options = {},
}
