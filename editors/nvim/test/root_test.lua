-- Projects without .git, with the plugin, against the real potpie-lsp binary (local engine):
-- a project marked only by its pyproject.toml gets a server rooted there; a folder with no
-- marker gets one rooted at the working directory; a file under the home directory with no
-- project, a file outside the working directory, and a missing server binary get none, and a
-- message that says why and what to do.
--
--   POTPIE_LSP_BIN=… POTPIE_TEST_WORK=<dir with manifest/, bare/, elsewhere/, home/> \
--   POTPIE_TEST_ANSWERS=<dir> HOME=<dir>/home nvim --headless -u NONE -i NONE -l root_test.lua
--
-- Run it with tests/editors_nvim.sh root.

local test_dir = vim.fs.dirname(vim.fs.normalize(debug.getinfo(1, 'S').source:sub(2)))
local plugin_dir = vim.fs.dirname(test_dir)
vim.opt.runtimepath:prepend(plugin_dir)
package.path = test_dir .. '/?.lua;' .. package.path
local H = require('helpers')

local BIN = H.env('POTPIE_LSP_BIN')
local WORK = vim.uv.fs_realpath(H.env('POTPIE_TEST_WORK'))
local ANSWERS = H.env('POTPIE_TEST_ANSWERS')
H.log(('# root test, %s'):format(vim.version()))
H.check(vim.uv.os_homedir() == WORK .. '/home', 'HOME is the test home (' .. tostring(vim.uv.os_homedir()) .. ')')

vim.cmd('filetype on')
local notes = {}
local orig_notify = vim.notify
vim.notify = function(msg, level, opts)
  notes[#notes + 1] = { msg = msg, level = level }
  H.log('# notify: ' .. msg)
  return orig_notify(msg, level, opts)
end
local function noted(pattern)
  for _, n in ipairs(notes) do
    if n.msg:find(pattern) then
      return n
    end
  end
end

local potpie = require('potpie')
potpie.setup({ cmd = { BIN }, settings = { backend = 'local', answersDir = ANSWERS } })

local function client_for(bufnr)
  return vim.lsp.get_clients({ name = 'potpie', bufnr = bufnr })[1]
end

local function open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

H.run(function()
  -- 1. a project marked by pyproject.toml only, opened from elsewhere
  vim.cmd.cd(WORK)
  local manifest = WORK .. '/manifest'
  H.check(vim.uv.fs_stat(manifest .. '/.git') == nil, 'the manifest project has no .git')
  local b1 = open(manifest .. '/src/auth.py')
  local c1 = H.wait('a client for the project without .git', function()
    return client_for(b1)
  end)
  H.check(c1.root_dir == manifest, 'rooted at the directory of pyproject.toml: ' .. tostring(c1.root_dir))
  local result
  potpie.ask('Where is the password checked?', {
    on_done = function(err, answer)
      result = { err = err, answer = answer }
    end,
  })
  H.wait('the answer', function()
    return result
  end)
  H.check(result.err == nil, 'the question is answered: ' .. vim.inspect(result.err))
  local cited = false
  for _, loc in ipairs(result.answer.citations or {}) do
    cited = cited or vim.uri_to_fname(loc.uri):find(manifest .. '/src/', 1, true) == 1
  end
  H.check(cited, 'the answer cites a file of the project')

  -- 2. no marker at all: the working directory, when the file lies inside it
  local bare = WORK .. '/bare'
  vim.cmd.cd(bare)
  local b2 = open(bare .. '/src/session.py')
  local c2 = H.wait('a client for the folder with no marker', function()
    return client_for(b2)
  end)
  H.check(c2.root_dir == bare, 'rooted at the working directory: ' .. tostring(c2.root_dir))
  H.check(c2.id ~= c1.id, 'a server of its own')

  -- 3. a file outside the working directory, in no project: no server, and why
  local b3 = open(WORK .. '/elsewhere/notes.py')
  vim.wait(1500, function()
    return client_for(b3) ~= nil
  end)
  H.check(client_for(b3) == nil, 'no server for a file outside the working directory and any project')
  local why = noted('no project found for')
  H.check(why ~= nil and why.msg:find('does not contain it', 1, true) ~= nil, 'the message says the working directory does not contain it')
  H.check(why.msg:find("Start Neovim in the project's directory", 1, true) ~= nil, 'and what to do')
  H.check(why.level == vim.log.levels.WARN, 'as a warning')

  -- 4. the home directory is never a root
  vim.cmd.cd(WORK .. '/home')
  local b4 = open(WORK .. '/home/loose/script.py')
  vim.wait(1500, function()
    return client_for(b4) ~= nil
  end)
  H.check(client_for(b4) == nil, 'no server rooted at the home directory')
  H.check(noted('is your home directory') ~= nil, 'the message says the working directory is the home directory')
  -- with no server running anywhere (the plugin would otherwise ask any running one)
  for _, c in ipairs(vim.lsp.get_clients({ name = 'potpie' })) do
    c:stop()
  end
  H.wait('the servers to stop', function()
    return #vim.lsp.get_clients({ name = 'potpie' }) == 0
  end)
  local asked
  local orig_err = #notes
  -- (an error notification inside a command raises in -l mode; the message is what counts)
  pcall(vim.cmd, 'PotpieAsk what is this?')
  H.check(#notes > orig_err and notes[#notes].msg:find('home directory', 1, true) ~= nil, ':PotpieAsk there repeats why')
  asked = notes[#notes].level
  H.check(asked == vim.log.levels.ERROR, 'as an error')

  -- 5. no server binary: says so and how to get one
  potpie.setup({ cmd = { WORK .. '/no-such/potpie-lsp' }, settings = { backend = 'local', answersDir = ANSWERS } })
  vim.cmd.cd(manifest)
  local b5 = open(manifest .. '/src/session.py')
  vim.wait(1500, function()
    return client_for(b5) ~= nil
  end)
  H.check(client_for(b5) == nil, 'no server without its binary')
  local missing = noted('is not a program on this machine')
  H.check(missing ~= nil, 'a missing binary is reported')
  H.check(missing.msg:find('cargo install --path .', 1, true) ~= nil and missing.msg:find('lazy.nvim', 1, true) ~= nil, 'with how to build it')

  -- :checkhealth potpie names the markers and the last problem
  vim.cmd('checkhealth potpie')
  local health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  H.check(health:find('pyproject.toml', 1, true) ~= nil, ':checkhealth potpie lists the root markers')
  H.check(health:find('is not a program on this machine', 1, true) ~= nil, ':checkhealth potpie repeats the last problem')
end)
