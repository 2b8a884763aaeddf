-- The plugin (require('potpie').setup) against the real potpie-lsp binary, in headless Neovim.
--
--   POTPIE_LSP_BIN=… POTPIE_TEST_ROOT=<sample repo> POTPIE_TEST_ANSWERS=<dir> \
--   POTPIE_TEST_MODE=local|potpie nvim --headless -u NONE -i NONE -l plugin_test.lua
--
-- In potpie mode the server must reach a fake Potpie through POTPIE_BASE_URL/POTPIE_API_KEY,
-- serving editors/nvim/test/fixtures/potpie_answer.md. Run it all with tests/editors_nvim.sh.

local test_dir = vim.fs.dirname(vim.fs.normalize(debug.getinfo(1, 'S').source:sub(2)))
local plugin_dir = vim.fs.dirname(test_dir)
vim.opt.runtimepath:prepend(plugin_dir)
package.path = test_dir .. '/?.lua;' .. package.path
local H = require('helpers')

local BIN = H.env('POTPIE_LSP_BIN')
local ROOT = vim.uv.fs_realpath(H.env('POTPIE_TEST_ROOT'))
local ANSWERS = H.env('POTPIE_TEST_ANSWERS')
local MODE = H.env('POTPIE_TEST_MODE')
H.log(('# plugin test, backend %s, %s'):format(MODE, vim.version()))

vim.cmd('filetype on')
vim.cmd.cd(ROOT)

local notes = {}
local orig_notify = vim.notify
vim.notify = function(msg, level, opts)
  notes[#notes + 1] = { msg = msg, level = level }
  if level and level >= vim.log.levels.WARN then
    H.log('# notify: ' .. msg)
  end
  return orig_notify(msg, level, opts)
end

local progress = {}
vim.api.nvim_create_autocmd('LspProgress', {
  callback = function(ev)
    local v = ev.data.params.value
    if type(v) == 'table' then
      progress[#progress + 1] = { token = ev.data.params.token, kind = v.kind, title = v.title, message = v.message }
    end
  end,
})
local answer_events = {}
vim.api.nvim_create_autocmd('User', {
  pattern = 'PotpieAnswer',
  callback = function(ev)
    answer_events[#answer_events + 1] = ev.data
  end,
})

local settings = { backend = MODE, answersDir = ANSWERS }
if MODE == 'potpie' then
  settings.repoName = 'acme/sample'
  settings.branchName = 'main'
end

local potpie = require('potpie')
potpie.setup({ cmd = { BIN }, settings = settings })

H.on_fail = function()
  H.log('--- progress: ' .. vim.inspect(progress))
  H.log('--- notifications: ' .. vim.inspect(notes))
end

local function last_note(pattern)
  for i = #notes, 1, -1 do
    if notes[i].msg:find(pattern) then
      return notes[i].msg
    end
  end
end

--- Waits for the answer started by `start()` and returns its view.
local function wait_answer(what, start)
  local before = potpie.answers.last
  start()
  local view = H.wait(what .. ' to start', function()
    local v = potpie.answers.last
    return v ~= before and v
  end)
  H.wait(what .. ' to finish', function()
    return view.done
  end)
  H.check(view.error == nil, what .. ' answered without error (' .. tostring(view.error) .. ')')
  return view
end

H.run(function()
  vim.cmd.edit(ROOT .. '/src/auth.py')
  local src_buf = vim.api.nvim_get_current_buf()
  local src_win = vim.api.nvim_get_current_win()
  H.check(vim.bo.filetype == 'python', 'opened src/auth.py as python')

  local client = H.wait('potpie-lsp to start and initialize', function()
    local c = potpie.client(src_buf)
    return c and c.initialized and c
  end)
  H.check(vim.uv.fs_realpath(client.root_dir or '') == ROOT, 'the client is rooted at the sample repo')
  local provider = client.server_capabilities.executeCommandProvider or {}
  for _, name in ipairs({ 'potpie.ask', 'potpie.explain', 'potpie.status', 'potpie.reparse', 'potpie.clearHints' }) do
    H.check(vim.list_contains(provider.commands or {}, name), 'executeCommandProvider lists ' .. name)
  end

  -- the server reports parsing as progress and the state as potpie/status; poll
  -- :PotpieStatus as well in case the ready notification came before we looked
  local polling = false
  local status = H.wait('the workspace to be ready', function()
    local s = potpie.statuses[client.id]
    if s and s.state == 'ready' then
      return s
    end
    if not polling then
      polling = true
      potpie.status({
        silent = true,
        on_done = function()
          polling = false
        end,
      })
    end
  end)
  H.check(status.backend == MODE, 'status reports backend ' .. MODE)

  vim.cmd('PotpieStatus')
  local note = H.wait(':PotpieStatus to report', function()
    return last_note('^Potpie: ' .. MODE .. ' · ready')
  end)
  H.check(note ~= nil, ':PotpieStatus shows "' .. note .. '"')

  -- :PotpieAsk → answer split, quickfix, hints
  local question = 'How does login create a session?'
  local view = wait_answer(':PotpieAsk', function()
    vim.cmd('PotpieAsk ' .. question)
  end)
  local result = view.result
  local text = potpie.answers.text(view.bufnr)
  H.check(vim.bo[view.bufnr].filetype == 'markdown', 'the answer buffer is Markdown')
  H.check(vim.fn.bufwinid(view.bufnr) ~= -1, 'the answer is shown in a window')
  H.check(vim.api.nvim_get_current_win() == src_win, 'the cursor stays in the source window')
  H.check(text:find(question, 1, true) ~= nil, 'the answer buffer names the question')
  H.check(result.backend == MODE, 'answered by the ' .. MODE .. ' backend')
  H.check(type(result.markdown) == 'string' and #result.markdown > 0, 'the answer has Markdown')
  H.check(text:find(result.markdown, 1, true) ~= nil, 'the answer buffer holds the whole answer')
  H.check(view.text ~= '', 'potpie/answerChunk streamed text into the buffer before the result')
  if MODE == 'potpie' then
    H.check(text:find('The login flow starts in', 1, true) ~= nil, 'the buffer holds the fake Potpie answer')
    H.check(view.text:find('The login flow starts in', 1, true) ~= nil, 'the streamed text is the Potpie answer')
  end

  if vim.env.POTPIE_TEST_VERBOSE == '1' then
    H.log('--- answer buffer:\n' .. text .. '\n---')
  end

  local qf = vim.fn.getqflist({ items = 0, title = 0, context = 0 })
  H.check(#result.citations > 0, 'the answer has citations (' .. #result.citations .. ')')
  H.check(#qf.items == #result.citations, 'every citation is a quickfix entry (' .. #qf.items .. ')')
  H.check(qf.title == 'Potpie: ' .. question, 'the quickfix list is titled after the question')
  H.check(H.qf_has(qf.items, ROOT, 'src/auth.py', 18), 'quickfix points at login() in src/auth.py:18')
  if MODE == 'potpie' then
    H.check(H.qf_has(qf.items, ROOT, 'src/auth.py', 13), 'quickfix points at check_password() in src/auth.py:13')
    H.check(H.qf_has(qf.items, ROOT, 'src/session.py', 12), 'quickfix points at create() in src/session.py:12')
  end
  if MODE == 'potpie' then
    -- gF on a citation in the answer opens the file at the line, whatever the cwd
    vim.cmd.cd('/')
    local answer_win = vim.fn.bufwinid(view.bufnr)
    vim.api.nvim_set_current_win(answer_win)
    local lnum, col
    for i, l in ipairs(vim.api.nvim_buf_get_lines(view.bufnr, 0, -1, false)) do
      local c = l:find('src/session.py:12', 1, true)
      if c then
        lnum, col = i, c
        break
      end
    end
    H.check(lnum ~= nil, 'the answer shows the citation src/session.py:12')
    vim.api.nvim_win_set_cursor(answer_win, { lnum, col })
    vim.cmd('normal! gF')
    H.check(vim.uv.fs_realpath(vim.api.nvim_buf_get_name(0)) == ROOT .. '/src/session.py', 'gF in the answer opens src/session.py')
    H.check(vim.api.nvim_win_get_cursor(0)[1] == 12, 'gF lands on line 12')
    vim.cmd('buffer ' .. view.bufnr)
    vim.api.nvim_set_current_win(src_win)
    vim.cmd.cd(ROOT)
  end
  H.check(#answer_events == 1 and answer_events[1].answer.answerId == result.answerId, 'User PotpieAnswer fired once')

  local hints = H.wait('Hint diagnostics', function()
    local h = H.potpie_hints()
    return #h > 0 and h
  end)
  local auth_hint
  for _, d in ipairs(hints) do
    if vim.uv.fs_realpath(vim.api.nvim_buf_get_name(d.bufnr)) == ROOT .. '/src/auth.py' and d.lnum <= 17 and 17 <= d.end_lnum then
      auth_hint = d
    end
  end
  H.check(auth_hint ~= nil, 'a potpie Hint covers src/auth.py:18')
  if result.answerUri ~= vim.NIL and result.answerUri then
    local rel = vim.tbl_get(auth_hint, 'user_data', 'lsp', 'relatedInformation', 1, 'location', 'uri')
    H.check(rel == result.answerUri, 'the hint points back to the answer file')
  end

  -- threads: :PotpieFollowUp in the answer buffer continues that answer's thread
  H.check(type(result.threadId) == 'string' and result.threadId ~= '', 'the answer names its thread (' .. tostring(result.threadId) .. ')')
  local FOLLOW_UP = 'Who calls it?'
  vim.api.nvim_set_current_win(vim.fn.bufwinid(view.bufnr))
  local follow = wait_answer(':PotpieFollowUp in the answer buffer', function()
    vim.cmd('PotpieFollowUp ' .. FOLLOW_UP)
  end)
  vim.api.nvim_set_current_win(src_win)
  H.check(follow.result.threadId == result.threadId, ':PotpieFollowUp answered in the same thread')
  H.check(vim.b[follow.bufnr].potpie.threadId == result.threadId, 'the follow-up buffer knows its thread')
  local transcript = H.read(vim.uri_to_fname(follow.result.transcriptUri or '')) or ''
  H.check(transcript:find(question, 1, true) ~= nil and transcript:find(FOLLOW_UP, 1, true) ~= nil, 'the transcript holds both questions')

  -- living citations: after an edit above the cited code the quickfix entry follows it
  local fq = vim.fn.getqflist({ items = 0, title = 0 })
  H.check(fq.title == 'Potpie: ' .. FOLLOW_UP and #fq.items > 0, 'the follow-up\'s citations are in the quickfix list')
  local qi, item
  for i, it in ipairs(fq.items) do
    if it.bufnr == src_buf then
      qi, item = i, it
      break
    end
  end
  H.check(item ~= nil, 'the follow-up cites src/auth.py')
  local before = vim.api.nvim_buf_get_lines(src_buf, 0, -1, false)
  local cited = before[item.lnum]
  local edited = { '# one', '# two', '# three' }
  vim.list_extend(edited, before)
  -- One replacement of the whole text: Neovim itself moves quickfix entries only for lines
  -- inserted or deleted, so only the server's re-anchoring can move this one.
  vim.api.nvim_buf_set_lines(src_buf, 0, -1, false, edited)
  H.check(vim.fn.getqflist()[qi].lnum == item.lnum, 'Neovim left the entry where it was (line ' .. item.lnum .. ')')
  H.wait('the quickfix entry to follow its code', function()
    return vim.fn.getqflist()[qi].lnum == item.lnum + 3
  end, 10000)
  H.check(vim.api.nvim_buf_get_lines(src_buf, item.lnum + 2, item.lnum + 3, false)[1] == cited, 'the quickfix entry moved 3 lines down, onto the cited code')
  H.wait('the hint to follow its code', function()
    for _, d in ipairs(H.potpie_hints()) do
      if d.bufnr == src_buf and d.lnum == item.lnum + 2 then
        return true
      end
    end
  end, 10000)
  H.check(true, 'the hint was published again 3 lines down')
  vim.api.nvim_buf_set_lines(src_buf, 0, -1, false, before)
  H.wait('the quickfix entry to go back', function()
    return vim.fn.getqflist()[qi].lnum == item.lnum
  end, 10000)
  vim.bo[src_buf].modified = false
  H.check(true, 'undoing the edit moved the entry back')

  -- :PotpieThreads lists the thread first and opens its transcript
  local listed
  vim.ui.select = function(items, opts, on_choice)
    listed = vim.tbl_map(opts.format_item, items)
    on_choice(items[1], 1)
  end
  vim.cmd('PotpieThreads')
  local tbuf = H.wait(':PotpieThreads to open the transcript', function()
    local b = vim.api.nvim_get_current_buf()
    return vim.b[b].potpie_thread and b
  end)
  H.check(vim.b[tbuf].potpie_thread == result.threadId, ':PotpieThreads opened the thread of the follow-up')
  H.check(listed[1]:find('(2 answers', 1, true) ~= nil, 'the list shows it first with 2 answers: ' .. listed[1])
  H.check(potpie.thread_of(tbuf) == result.threadId, ':PotpieFollowUp in the transcript would continue it')
  vim.api.nvim_win_set_buf(src_win, src_buf)

  local function begun()
    local titles = {}
    for _, p in ipairs(progress) do
      if p.kind == 'begin' then
        titles[#titles + 1] = p.title
      end
    end
    return table.concat(titles, '|')
  end
  H.wait('LspProgress for parsing and for the question', function()
    local joined = begun()
    return joined:find('Potpie: parsing', 1, true) and joined:find('Potpie: codebase_qna_agent', 1, true)
  end)
  H.check(true, 'LspProgress reported parsing and the question (' .. begun() .. ')')
  -- the question's progress may end just after its result arrives
  H.wait('progress to end for parsing and for the question', function()
    local ended = 0
    for _, p in ipairs(progress) do
      ended = ended + (p.kind == 'end' and 1 or 0)
    end
    return ended >= 2
  end)
  H.check(true, 'progress ended for parsing and for the question')

  vim.cmd('PotpieClear')
  H.wait(':PotpieClear to remove the hints', function()
    return #H.potpie_hints() == 0
  end)
  H.check(true, ':PotpieClear removed every potpie hint')

  -- code actions: the list, then "Explain this code" through the plugin
  local line22 = vim.api.nvim_buf_get_lines(src_buf, 21, 22, false)[1]
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(src_buf) },
    range = potpie.line_range(src_buf, 18, 22, client.offset_encoding),
    context = { diagnostics = {} },
  }
  local resp = client:request_sync('textDocument/codeAction', params, 10000, src_buf)
  H.check(resp and resp.err == nil and type(resp.result) == 'table', 'textDocument/codeAction answered')
  local offered = {}
  for _, a in ipairs(resp.result) do
    offered[a.title] = true
  end
  for _, t in ipairs({ 'Potpie: Explain this code', 'Potpie: Write unit tests for this', 'Potpie: Debug this' }) do
    H.check(offered[t], 'code action offered: ' .. t)
  end

  vim.api.nvim_set_current_win(src_win)
  local explained = wait_answer('code action "Explain this code"', function()
    vim.lsp.buf.code_action({
      range = { start = { 18, 0 }, ['end'] = { 22, #line22 } },
      apply = true,
      filter = function(a)
        return a.title == 'Potpie: Explain this code'
      end,
    })
  end)
  H.check(explained.label:find('src/auth.py:18', 1, true) ~= nil, 'the explain answer names the range (' .. explained.label .. ')')
  H.check(#(explained.result.markdown or '') > 0, 'the explain answer has text')
  H.check(vim.fn.bufwinid(explained.bufnr) ~= -1, 'the explain answer replaced the previous one in the split')
  H.check(#vim.api.nvim_list_tabpages() == 1 and #vim.api.nvim_tabpage_list_wins(0) == 2, 'still two windows: source and answer')
  H.wait('hints of the explain answer', function()
    return #H.potpie_hints() > 0
  end)
  H.check(true, 'the explain answer published hints again')

  -- :PotpieExplain with a range and another agent
  local tests = wait_answer(':PotpieExplain unit_test_agent', function()
    vim.cmd('13,15PotpieExplain unit_test_agent')
  end)
  H.check(tests.result.agent == 'unit_test_agent', ':PotpieExplain used unit_test_agent')

  -- :PotpieAsk without arguments prompts; `@agent` picks the agent; a range goes along
  local prompted
  vim.ui.input = function(opts, on_confirm)
    prompted = opts.prompt
    on_confirm('@debugging_agent Why would login raise PermissionError?')
  end
  local debugged = wait_answer(':PotpieAsk with a prompt', function()
    vim.cmd('18,22PotpieAsk')
  end)
  H.check(prompted ~= nil, ':PotpieAsk without arguments prompted (' .. tostring(prompted) .. ')')
  H.check(debugged.result.agent == 'debugging_agent', '`@debugging_agent` chose the agent')
  H.check(debugged.label == 'Why would login raise PermissionError?', 'the agent prefix is not part of the question')

  -- an empty question is refused by the server; the split says why
  local refused = potpie.ask('   ')
  H.wait('the refused question to finish', function()
    return refused.done
  end)
  H.check(type(refused.error) == 'string' and #refused.error > 0, 'a refused question shows the error: ' .. tostring(refused.error))
  H.check(potpie.answers.text(refused.bufnr):find('could not answer', 1, true) ~= nil, 'the split says Potpie could not answer')

  -- cancelled in the same tick it was sent: no response can have been handled yet
  local events_before = #answer_events
  local cancelled = potpie.ask('How are passwords hashed?')
  vim.cmd('PotpieCancel')
  H.check(cancelled.done and cancelled.error == 'cancelled', ':PotpieCancel finished the question as cancelled')
  H.check(#potpie.answers.pending == 0, 'nothing is left pending')
  vim.wait(300)
  H.check(#answer_events == events_before, 'no answer is delivered for the cancelled question')
  H.check(potpie.answers.text(cancelled.bufnr):find('cancelled', 1, true) ~= nil, 'the split says it was cancelled')
  local after = wait_answer('a question after the cancel', function()
    potpie.ask('How are passwords hashed?')
  end)
  H.check(#(after.result.markdown or '') > 0, 'the server answers again after a cancel')

  vim.cmd('PotpieReparse')
  H.wait(':PotpieReparse to report', function()
    return last_note('^Potpie: reparsing: ')
  end)
  H.check(true, ':PotpieReparse answered with a status')

  H.wait('the workspace to be ready again after the reparse', function()
    local st = potpie.statuses[client.id]
    return st and st.state == 'ready'
  end)
  H.check(true, 'potpie/status reported ready again after :PotpieReparse')

  if MODE == 'local' then
    -- the other answer layouts: a horizontal split with focus, then a tab
    vim.cmd('only')
    potpie.options.answer = { open = 'split', focus = true, size = 12 }
    local below = wait_answer('an answer in a horizontal split', function()
      potpie.ask('Where is the session token created?')
    end)
    local layout = vim.fn.winlayout()
    H.check(layout[1] == 'col' and #layout[2] == 2, 'answer.open = "split" splits horizontally')
    H.check(vim.api.nvim_get_current_buf() == below.bufnr, 'answer.focus = true moves the cursor into the answer')
    H.check(vim.api.nvim_win_get_height(0) == 12, 'answer.size sets the height')
    vim.cmd('close')
    potpie.options.answer = { open = 'tab', focus = false }
    local tabbed = wait_answer('an answer in a tab', function()
      potpie.ask('Where is the session token created?')
    end)
    H.check(#vim.api.nvim_list_tabpages() == 2, 'answer.open = "tab" opens a tab')
    H.check(vim.fn.bufwinid(tabbed.bufnr) ~= -1, 'the tab shows the answer')
    vim.cmd('tabonly')
    vim.api.nvim_set_current_buf(src_buf)
  end

  H.check(#vim.lsp.get_clients({ name = 'potpie', _uninitialized = true }) == 1, 'one server for the project, none for answer buffers')

  vim.cmd('checkhealth potpie')
  local health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  H.check(health:find('OK Neovim 0.11', 1, true) ~= nil and health:find('OK server: ', 1, true) ~= nil, ':checkhealth potpie finds Neovim and the server')
  H.check(health:find(MODE .. ' · ready', 1, true) ~= nil and health:find('ERROR', 1, true) == nil, ':checkhealth potpie shows the ready client and no error')

  H.log('# all plugin checks passed (' .. MODE .. ')')
end)
