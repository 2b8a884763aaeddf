-- The lazy.nvim spec of editors/nvim/README.md, run as lazy.nvim would run it (lazy.nvim
-- itself comes from no package registry, so this plays its part): the plugin directory is a
-- clone of the repository, `build` has run in it, then `config(plugin)`. With no potpie-lsp on
-- PATH the plugin must start the clone's release build and answer.
--
--   POTPIE_TEST_REPO=<repository> POTPIE_TEST_CLONE=<clone with target/release/potpie-lsp>
--   POTPIE_TEST_ROOT=<sample repo> POTPIE_TEST_ANSWERS=<dir> nvim --headless -u NONE -i NONE -l lazy_test.lua
--
-- POTPIE_TEST_LAZY_BUILD=1 runs the spec's build step in the repository itself and uses it as
-- the clone (a release build: minutes on 2 cores, so CI leaves it to this switch).

local test_dir = vim.fs.dirname(vim.fs.normalize(debug.getinfo(1, 'S').source:sub(2)))
package.path = test_dir .. '/?.lua;' .. package.path
local H = require('helpers')

local REPO = H.env('POTPIE_TEST_REPO')
local ROOT = vim.uv.fs_realpath(H.env('POTPIE_TEST_ROOT'))
local ANSWERS = H.env('POTPIE_TEST_ANSWERS')
H.log(('# lazy.nvim spec test, %s'):format(vim.version()))
vim.cmd('filetype on')

--- The first ```lua block under the README's "### lazy.nvim" heading.
local function readme_spec()
  local text = H.read(REPO .. '/editors/nvim/README.md') or ''
  local section = text:match('\n### lazy%.nvim\n(.-)\n#')
  H.check(section ~= nil, 'the README has a "### lazy.nvim" section')
  local block = section:match('```lua\n(.-)\n```')
  H.check(block ~= nil, 'with a lua block')
  local chunk, err = load('return ' .. block, 'README lazy.nvim spec')
  H.check(chunk ~= nil, 'the block is a Lua table: ' .. tostring(err))
  return chunk()
end

--- The lua block of the top README's Neovim section, dedented.
local function top_readme_block()
  local text = H.read(REPO .. '/README.md') or ''
  local section = text:match('\n### Neovim[^\n]*\n(.-)\n### ')
  H.check(section ~= nil, 'the top README has a Neovim section')
  local block = section:match('```lua\n(.-)\n%s*```')
  H.check(block ~= nil, 'with a lua block')
  local indent = block:match('^(%s*)')
  local lines = {}
  for _, l in ipairs(vim.split(block, '\n')) do
    lines[#lines + 1] = l:sub(1, #indent) == indent and l:sub(#indent + 1) or l
  end
  return table.concat(lines, '\n')
end

H.run(function()
  local spec = readme_spec()
  local text = H.read(REPO .. '/editors/nvim/README.md') or ''
  local ours = text:match('\n### lazy%.nvim\n.-```lua\n(.-)\n```')
  H.check(top_readme_block() == ours, "the top README's spec is the plugin README's")
  H.check(type(spec.build) == 'string', 'the spec has a build step')
  H.check(spec.build:match('^cargo build %-%-release') ~= nil, 'that builds the release server: ' .. spec.build)
  H.check(spec.build:find('--locked', 1, true) and spec.build:find('--bin potpie-lsp', 1, true), 'locked, the potpie-lsp binary only')
  H.check(type(spec.config) == 'function', 'and a config function')

  local plugin = { name = 'potpie-lsp', dir = H.env('POTPIE_TEST_CLONE') }
  if vim.env.POTPIE_TEST_LAZY_BUILD == '1' then
    plugin.dir = REPO
    H.log('# running the build step in ' .. REPO .. ': ' .. spec.build)
    local r = vim.system(vim.split(spec.build, ' ', { trimempty = true }), { cwd = REPO }):wait()
    H.check(r.code == 0, 'the build step succeeds: ' .. (r.stderr or ''))
  end
  local built = plugin.dir .. '/target/release/potpie-lsp'
  H.check(vim.fn.executable(built) == 1, 'the build step leaves target/release/potpie-lsp')

  -- as on a fresh machine: no potpie-lsp on PATH
  local path = {}
  for _, d in ipairs(vim.split(vim.env.PATH or '', ':', { trimempty = true })) do
    if vim.fn.executable(d .. '/potpie-lsp') ~= 1 then
      path[#path + 1] = d
    end
  end
  vim.env.PATH = table.concat(path, ':')
  H.check(vim.fn.executable('potpie-lsp') == 0, 'no potpie-lsp on PATH')

  vim.cmd.cd(ROOT)
  spec.config(plugin)
  local potpie = require('potpie')
  -- test-only: answers in the scratch directory, local engine
  potpie.setup(vim.tbl_deep_extend('force', potpie.options, { settings = { backend = 'local', answersDir = ANSWERS } }))

  vim.cmd.edit('src/auth.py')
  local client = H.wait('the client', function()
    return vim.lsp.get_clients({ name = 'potpie', bufnr = 0 })[1]
  end)
  H.check(client.config.cmd[1] == built, 'it runs the clone\'s build: ' .. tostring(client.config.cmd[1]))
  H.check(client.root_dir == ROOT, 'rooted at the project')
  local result
  potpie.ask('Where is the password checked?', {
    on_done = function(err, answer)
      result = { err = err, answer = answer }
    end,
  })
  H.wait('the answer', function()
    return result
  end)
  H.check(result.err == nil and #(result.answer.citations or {}) > 0, 'a question is answered with citations')
end)
