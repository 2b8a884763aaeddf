-- :checkhealth potpie
local M = {}

function M.check()
  local h = vim.health
  h.start('potpie')
  if vim.fn.has('nvim-0.11') == 1 then
    h.ok('Neovim ' .. tostring(vim.version()))
  else
    h.error('Neovim 0.11 or later is required (vim.lsp.config / vim.lsp.enable)')
  end
  local ok, potpie = pcall(require, 'potpie')
  local cmd = ok and potpie.server_cmd(potpie.options.cmd) or { 'potpie-lsp' }
  if type(cmd) == 'table' and cmd[1] and vim.fn.executable(cmd[1]) == 1 then
    h.ok(('server: %s (%s)'):format(cmd[1], vim.fn.exepath(cmd[1])))
  elseif type(cmd) == 'table' then
    h.error(('%s is not executable'):format(tostring(cmd[1])), {
      'cargo install --path . (in the potpie-lsp repository), the build step of the lazy.nvim spec, or set cmd in setup()',
    })
  end
  local markers = (ok and potpie.options.root_markers) or require('potpie.root').default_markers
  h.info('project roots: the nearest of ' .. table.concat(markers, ', ') .. '; else the working directory (never ~ or /)')
  if ok and potpie.last_problem then
    h.warn('last file without a server: ' .. potpie.last_problem)
  end
  if not vim.lsp.is_enabled('potpie') then
    h.warn("the 'potpie' config is not enabled: call require('potpie').setup() or vim.lsp.enable('potpie')")
  end
  local clients = vim.lsp.get_clients({ name = 'potpie' })
  if #clients == 0 then
    h.info('no potpie-lsp client is running (it starts with the first file of a project)')
  end
  for _, c in ipairs(clients) do
    local s = ok and potpie.statuses[c.id]
    h.info(('client %d, root %s: %s'):format(c.id, c.root_dir or '(none)', ok and potpie.format_status(s) or '?'))
  end
  if vim.env.POTPIE_API_KEY and vim.env.POTPIE_API_KEY ~= '' then
    h.info('POTPIE_API_KEY is set: backend "auto" uses the Potpie API')
  else
    h.info('no POTPIE_API_KEY: backend "auto" uses the embedded local engine')
  end
end

return M
