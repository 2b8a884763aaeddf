-- The plain setup from editors/nvim/README.md — vim.lsp.config + vim.lsp.enable, no plugin —
-- against the real potpie-lsp binary: code actions, the answer file opened by the server
-- (window/showDocument), Hint diagnostics, and client:exec_cmd with a result handler.
--
--   POTPIE_LSP_BIN=… POTPIE_TEST_ROOT=<sample repo> POTPIE_TEST_ANSWERS=<dir> \
--   POTPIE_TEST_MODE=local|potpie nvim --headless -u NONE -i NONE -l plain_test.lua

local test_dir = vim.fs.dirname(vim.fs.normalize(debug.getinfo(1, 'S').source:sub(2)))
package.path = test_dir .. '/?.lua;' .. package.path
local H = require('helpers')

local BIN = H.env('POTPIE_LSP_BIN')
local ROOT = vim.uv.fs_realpath(H.env('POTPIE_TEST_ROOT'))
local ANSWERS = H.env('POTPIE_TEST_ANSWERS')
local MODE = H.env('POTPIE_TEST_MODE')
H.log(('# plain vim.lsp.config test, backend %s, %s'):format(MODE, vim.version()))

vim.cmd('filetype on')

-- the README's snippet, plus test-only settings (fixed backend, answers in a temp dir)
local init_options = { backend = MODE, answersDir = ANSWERS }
if MODE == 'potpie' then
  init_options.repoName = 'acme/sample'
  init_options.branchName = 'main'
end
vim.lsp.config('potpie', {
  cmd = { BIN },
  root_markers = { '.git' },
  workspace_required = true,
  init_options = init_options,
})
vim.lsp.enable('potpie')

local function exec(client, command, arguments, bufnr)
  local res
  client:exec_cmd({ title = command, command = command, arguments = arguments }, { bufnr = bufnr }, function(err, r)
    res = { err = err, result = r }
  end)
  return H.wait(command .. ' result', function()
    return res
  end)
end

local function is_answer_file(name)
  local real = vim.uv.fs_realpath(name)
  local dir = vim.uv.fs_realpath(ANSWERS)
  return real and dir and real:sub(1, #dir + 1) == dir .. '/' and real:match('%.md$') ~= nil
end

H.run(function()
  vim.cmd.edit(ROOT .. '/src/auth.py')
  local src_buf = vim.api.nvim_get_current_buf()
  local client = H.wait('potpie-lsp to start and initialize', function()
    local c = vim.lsp.get_clients({ name = 'potpie', bufnr = src_buf })[1]
    return c and c.initialized and c
  end)
  H.check(true, 'vim.lsp.enable attached potpie-lsp to a python buffer')

  local deadline = vim.uv.now() + H.timeout
  while true do
    local s = exec(client, 'potpie.status', {}, src_buf).result
    if type(s) == 'table' and s.state == 'ready' then
      break
    end
    if vim.uv.now() > deadline then
      H.fail('timed out waiting for the workspace to be ready: ' .. vim.inspect(s))
    end
    vim.wait(200)
  end
  H.check(true, 'potpie.status reports ready')

  -- client:exec_cmd with a handler gets the Answer; the server opens the answer file itself
  local r = exec(client, 'potpie.ask', { { question = 'Where is the login function defined?' } }, src_buf)
  H.check(r.err == nil, 'potpie.ask succeeded (' .. vim.inspect(r.err) .. ')')
  local answer = r.result
  H.check(answer.backend == MODE, 'answered by the ' .. MODE .. ' backend')
  H.check(type(answer.answerUri) == 'string', 'the answer has an answer file')
  local answer_path = vim.uri_to_fname(answer.answerUri)
  H.check(is_answer_file(answer_path), 'the answer file is in answersDir')
  local content = H.read(answer_path) or ''
  H.check(#content > 0, 'the answer file has content')
  local cites_auth = false
  for _, loc in ipairs(answer.citations) do
    local range = loc.range
    if vim.uv.fs_realpath(vim.uri_to_fname(loc.uri)) == ROOT .. '/src/auth.py' and range.start.line <= 17 and 17 <= range['end'].line then
      cites_auth = true
    end
  end
  H.check(cites_auth, 'a citation covers login() at src/auth.py:18')

  H.wait('window/showDocument to show the answer file', function()
    return is_answer_file(vim.api.nvim_buf_get_name(0))
  end)
  H.check(vim.uv.fs_realpath(vim.api.nvim_buf_get_name(0)) == vim.uv.fs_realpath(answer_path), 'the shown file is this answer')

  local hint = H.wait('Hint diagnostics', function()
    for _, d in ipairs(H.potpie_hints()) do
      if vim.uv.fs_realpath(vim.api.nvim_buf_get_name(d.bufnr)) == ROOT .. '/src/auth.py' then
        return d
      end
    end
  end)
  H.check(hint.severity == vim.diagnostic.severity.HINT, 'a Hint diagnostic in src/auth.py')
  local rel = vim.tbl_get(hint, 'user_data', 'lsp', 'relatedInformation', 1, 'location', 'uri')
  H.check(rel == answer.answerUri, 'its relatedInformation points at the answer file')

  -- a code action from the source buffer: Neovim drops the command's result, the server
  -- still opens the new answer file
  vim.cmd.buffer(src_buf)
  local line22 = vim.api.nvim_buf_get_lines(src_buf, 21, 22, false)[1]
  vim.lsp.buf.code_action({
    range = { start = { 18, 0 }, ['end'] = { 22, #line22 } },
    apply = true,
    filter = function(a)
      return a.title == 'Potpie: Explain this code'
    end,
  })
  local shown = H.wait('the code action answer file to open', function()
    local name = vim.api.nvim_buf_get_name(0)
    return is_answer_file(name) and vim.uv.fs_realpath(name) ~= vim.uv.fs_realpath(answer_path) and name
  end)
  H.check(#(H.read(shown) or '') > 0, 'code action "Explain this code" opened a new answer file')

  r = exec(client, 'potpie.clearHints', {}, src_buf)
  H.check(r.err == nil, 'potpie.clearHints succeeded')
  H.wait('the hints to go', function()
    return #H.potpie_hints() == 0
  end)
  H.check(true, 'potpie.clearHints removed the hints')

  -- (_uninitialized: also count a server that is still starting)
  H.check(#vim.lsp.get_clients({ name = 'potpie', _uninitialized = true }) == 1, 'the answer files did not start servers of their own')

  H.log('# all plain-config checks passed (' .. MODE .. ')')
end)
