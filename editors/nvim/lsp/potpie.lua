-- Default config for `vim.lsp.enable('potpie')` (Neovim ≥ 0.11 reads lsp/<name>.lua from
-- 'runtimepath'). Works without require('potpie').setup(): the server opens each answer file
-- itself (window/showDocument) and publishes citations as Hint diagnostics.
-- No `filetypes`: the client attaches to every filetype.
---@type vim.lsp.Config
return {
  cmd = { 'potpie-lsp' },
  root_markers = { '.git' },
  -- no server of its own for files outside a project (e.g. the answer files it opens)
  workspace_required = true,
  init_options = {},
}
