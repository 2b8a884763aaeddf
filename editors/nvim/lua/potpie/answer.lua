-- The answer split: one scratch Markdown buffer per question, shown in a single reusable
-- window, filled from `potpie/answerChunk` while the answer streams and replaced by the
-- final `Answer.markdown` (the authoritative text) when the command returns.

local M = {}

---@class potpie.View
---@field id integer          sequence number of the question (also in the buffer name)
---@field bufnr integer
---@field client_id integer
---@field label string        what was asked, shown as the first line
---@field answer_id string?   bound from the first chunk or from the result
---@field text string         the answer text received so far
---@field done boolean
---@field result table?       the `Answer` once the command returned

local seq = 0
--- The window the latest answer was shown in (reused for the next one).
local answer_win = nil ---@type integer?

--- Views still waiting for their result, oldest first.
---@type potpie.View[]
M.pending = {}
--- Answer ids of views that are done, so that their late chunks are not taken for another.
---@type table<string, true>
M.closed_ids = {}
--- The most recent view, finished or not.
---@type potpie.View?
M.last = nil

local HEADER_LINES = 2 -- the question line and a blank line

local function set_lines(bufnr, first, last, lines)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, first, last, false, lines)
  vim.bo[bufnr].modifiable = false
end

--- Lines of a label, quoted so that Markdown renders it apart from the answer.
local function header(label)
  local first = label:gsub('\n.*', ' …')
  return { '> ' .. first, '' }
end

local function win_is_usable(win)
  return win
    and vim.api.nvim_win_is_valid(win)
    and vim.api.nvim_win_get_tabpage(win) == vim.api.nvim_get_current_tabpage()
end

---@param bufnr integer
---@param opts { open: string, focus: boolean, size: integer? }
local function show(bufnr, opts)
  if win_is_usable(answer_win) then
    vim.api.nvim_win_set_buf(answer_win, bufnr)
  elseif opts.open == 'current' then
    answer_win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(answer_win, bufnr)
  elseif opts.open == 'tab' then
    vim.cmd('tab split')
    answer_win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(answer_win, bufnr)
  else
    local horizontal = opts.open == 'split'
    local cfg = { split = horizontal and 'below' or 'right', win = -1 }
    if opts.size then
      cfg[horizontal and 'height' or 'width'] = opts.size
    end
    answer_win = vim.api.nvim_open_win(bufnr, opts.focus, cfg)
  end
  local wo = vim.wo[answer_win][0]
  wo.wrap = true
  wo.linebreak = true
  wo.conceallevel = 2
  wo.number = false
  wo.relativenumber = false
  wo.spell = false
  if opts.focus then
    -- also when an existing answer window was reused
    vim.api.nvim_set_current_win(answer_win)
  end
end

local function scroll_to_end(view)
  if win_is_usable(answer_win) and vim.api.nvim_win_get_buf(answer_win) == view.bufnr then
    local n = vim.api.nvim_buf_line_count(view.bufnr)
    pcall(vim.api.nvim_win_set_cursor, answer_win, { n, 0 })
  end
end

--- Opens a new answer buffer for a question that was just sent.
---@param label string
---@param client_id integer
---@param opts table the `answer` part of the plugin options
---@param root string? the workspace root, so that `gF` on `src/x.py:12` finds the file
---@return potpie.View
function M.begin(label, client_id, opts, root)
  seq = seq + 1
  local bufnr = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(bufnr, ('potpie://answer/%d'):format(seq))
  vim.bo[bufnr].filetype = 'markdown'
  vim.bo[bufnr].bufhidden = 'hide'
  vim.keymap.set('n', 'q', '<cmd>close<cr>', { buffer = bufnr, desc = 'Close the Potpie answer' })
  if root then
    vim.bo[bufnr].path = root:gsub('[, \\]', '\\%0') .. ',' .. vim.o.path
  end
  local lines = header(label)
  lines[#lines + 1] = '_Waiting for the answer…_'
  set_lines(bufnr, 0, -1, lines)

  ---@type potpie.View
  local view = {
    id = seq,
    bufnr = bufnr,
    client_id = client_id,
    label = label,
    text = '',
    done = false,
  }
  vim.b[bufnr].potpie = { question = label }
  vim.b[bufnr].potpie_client = client_id
  M.pending[#M.pending + 1] = view
  M.last = view
  show(bufnr, opts)
  return view
end

--- The pending view a chunk belongs to: the one bound to its answer id, else the oldest
--- unbound one of that client (chunks of an answer arrive before its command result).
---@return potpie.View?
local function view_for(client_id, answer_id)
  if M.closed_ids[answer_id] then
    return nil -- late chunks of a cancelled answer
  end
  for _, v in ipairs(M.pending) do
    if v.answer_id == answer_id then
      return v
    end
  end
  for _, v in ipairs(M.pending) do
    if v.answer_id == nil and v.client_id == client_id then
      v.answer_id = answer_id
      return v
    end
  end
  return nil
end

--- Appends a streamed delta (`potpie/answerChunk` params) to its answer buffer.
---@param client_id integer
---@param params { answerId: string, delta: string }
function M.on_chunk(client_id, params)
  if type(params) ~= 'table' or type(params.delta) ~= 'string' then
    return
  end
  local view = view_for(client_id, params.answerId)
  if not view or params.delta == '' then
    return
  end
  local first_chunk = view.text == ''
  view.text = view.text .. params.delta
  local pieces = vim.split(params.delta, '\n', { plain = true })
  if first_chunk then
    -- replaces the "waiting" line
    set_lines(view.bufnr, HEADER_LINES, -1, pieces)
  else
    local last = vim.api.nvim_buf_get_lines(view.bufnr, -2, -1, false)[1] or ''
    pieces[1] = last .. pieces[1]
    set_lines(view.bufnr, -2, -1, pieces)
  end
  scroll_to_end(view)
end

--- Shows the latest tool activity while no answer text has arrived yet.
---@param client_id integer
---@param message string
function M.on_activity(client_id, message)
  for _, v in ipairs(M.pending) do
    if v.client_id == client_id and v.text == '' then
      set_lines(v.bufnr, HEADER_LINES, -1, { '_' .. message:gsub('\n', ' ') .. '…_' })
    end
  end
end

local function remove_pending(view)
  if view.answer_id then
    M.closed_ids[view.answer_id] = true
  end
  for i, v in ipairs(M.pending) do
    if v == view then
      table.remove(M.pending, i)
      return
    end
  end
end

--- Replaces the streamed text by the final answer.
---@param view potpie.View
---@param result table the `Answer`
function M.finish(view, result)
  if type(result.answerId) == 'string' then
    view.answer_id = result.answerId
  end
  remove_pending(view)
  view.done = true
  view.result = result
  local markdown = type(result.markdown) == 'string' and result.markdown or view.text
  local lines = header(view.label)
  vim.list_extend(lines, vim.split(markdown, '\n', { plain = true }))
  local footer = {}
  if type(result.backend) == 'string' then
    footer[#footer + 1] = result.backend
  end
  if type(result.agent) == 'string' then
    footer[#footer + 1] = result.agent
  end
  local ncit = type(result.citations) == 'table' and #result.citations or 0
  footer[#footer + 1] = ncit == 1 and '1 citation' or (ncit .. ' citations')
  vim.list_extend(lines, { '', '---', '_' .. table.concat(footer, ' · ') .. '_' })
  if type(result.answerUri) == 'string' then
    lines[#lines + 1] = ('[answer file](%s)'):format(result.answerUri)
  end
  if type(result.threadId) == 'string' then
    -- :PotpieFollowUp in this buffer continues the thread
    local thread = ('_thread %s_'):format(result.threadId)
    if type(result.transcriptUri) == 'string' then
      thread = thread .. (' · [transcript](%s)'):format(result.transcriptUri)
    end
    lines[#lines + 1] = thread
  end
  set_lines(view.bufnr, 0, -1, lines)
  vim.b[view.bufnr].potpie = {
    question = view.label,
    answerId = result.answerId,
    answerUri = result.answerUri,
    backend = result.backend,
    agent = result.agent,
    threadId = type(result.threadId) == 'string' and result.threadId or nil,
    transcriptUri = type(result.transcriptUri) == 'string' and result.transcriptUri or nil,
  }
end

--- Shows why a question failed, in place of the answer.
---@param view potpie.View
---@param message string
function M.fail(view, message)
  remove_pending(view)
  view.done = true
  view.error = message
  local lines = header(view.label)
  lines[#lines + 1] = '**Potpie could not answer:** ' .. message:gsub('\n', ' ')
  set_lines(view.bufnr, 0, -1, lines)
end

--- The text of an answer buffer (for tests and scripts).
---@param bufnr integer
---@return string
function M.text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
end

return M
