-- potpie.nvim: ask Potpie's agents (or potpie-lsp's embedded offline engine) about your
-- codebase from Neovim ≥ 0.11.
--
-- The server does the work; this plugin only adds what the built-in client lacks: it keeps the
-- `Answer` that `workspace/executeCommand` returns (Neovim drops it for code actions), streams
-- the answer into a Markdown split, and puts the citations in the quickfix list.

local answer = require('potpie.answer')
local root = require('potpie.root')

local M = {}

M.NAME = 'potpie'

---@class potpie.Options
local defaults = {
  --- How to start the server.
  cmd = { 'potpie-lsp' },
  --- nil attaches to every filetype; a list restricts it.
  filetypes = nil,
  --- What marks a project's top directory, earlier entries first; nil: `.git`, `.hg`, `.jj`,
  --- `.svn`, then common manifests (pyproject.toml, package.json, Cargo.toml, go.mod, …; see
  --- lua/potpie/root.lua). A file in no project uses the working directory when it lies
  --- inside it (never the home directory or `/`).
  root_markers = nil,
  --- Start only inside a project. Otherwise every file outside one — such as an answer file in
  --- the cache directory — would start a server of its own.
  workspace_required = true,
  --- potpie-lsp settings, sent as initializationOptions and in
  --- `workspace/didChangeConfiguration` (see editors/nvim/README.md for the keys).
  settings = {},
  --- Call `vim.lsp.enable('potpie')` from setup().
  enable = true,
  answer = {
    --- 'vsplit' | 'split' | 'tab' | 'current'
    open = 'vsplit',
    --- Move the cursor into the answer window.
    focus = false,
    --- Width (vsplit) or height (split) of a new answer window.
    size = nil,
  },
  quickfix = {
    --- Open the quickfix window when an answer has citations.
    open = false,
  },
  progress = {
    --- Echo the server's progress (parsing, agent activity) in the command line.
    echo = true,
  },
  --- Extra fields merged into the vim.lsp.config (e.g. on_attach, capabilities).
  lsp = {},
}

---@type potpie.Options
M.options = vim.deepcopy(defaults)

--- Last `Status` per client id, from `potpie/status` and command results.
M.statuses = {}

local function notify(msg, level)
  vim.notify('Potpie: ' .. msg, level or vim.log.levels.INFO)
end

local function is_potpie(client)
  return client and client.name == M.NAME
end

--- The client for a buffer, else any running one.
---@param bufnr integer?
---@return vim.lsp.Client?
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local clients = vim.lsp.get_clients({ name = M.NAME, bufnr = bufnr })
  if #clients > 0 then
    return clients[1]
  end
  -- an answer buffer belongs to the client that answered it (several projects may be open)
  local owner = vim.api.nvim_buf_is_valid(bufnr) and vim.b[bufnr].potpie_client
  local client = owner and vim.lsp.get_client_by_id(owner)
  if client then
    return client
  end
  return vim.lsp.get_clients({ name = M.NAME })[1]
end

--- Why the server did not start for the last file that could not have it, if any.
---@type string?
M.last_problem = nil
local told = {}

--- Remembers why the server cannot start and says so, once per reason.
local function problem(msg)
  M.last_problem = msg
  if not told[msg] then
    told[msg] = true
    notify(msg, vim.log.levels.WARN)
  end
end

local function need_client(bufnr)
  local client = M.client(bufnr)
  if not client then
    notify(
      M.last_problem
        or ('potpie-lsp is not running for this buffer: it starts with a file inside a project (a directory with %s, …), or inside the directory Neovim started in. :checkhealth potpie says more.'):format(
          table.concat(vim.list_slice(M.options.root_markers or root.default_markers, 1, 4), ', ')
        ),
      vim.log.levels.ERROR
    )
  end
  return client
end

--- The plugin directory's repository, when the plugin runs from a clone of potpie-lsp (as
--- lazy.nvim installs it): its release build is the server when none is on PATH.
local function repo_server()
  local here = debug.getinfo(1, 'S').source:sub(2)
  local repo = vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(here)))))
  local bin = repo .. '/target/release/potpie-lsp' .. (vim.fn.has('win32') == 1 and '.exe' or '')
  return vim.fn.executable(bin) == 1 and bin or nil
end

--- The command that starts the server: `cmd` as given; the default `potpie-lsp` when it is on
--- PATH, else the clone's release build (the lazy.nvim `build` step makes it).
---@param cmd string[]|fun(...)
function M.server_cmd(cmd)
  if type(cmd) == 'table' and #cmd == 1 and cmd[1] == 'potpie-lsp' and vim.fn.executable('potpie-lsp') ~= 1 then
    local built = repo_server()
    if built then
      return { built }
    end
  end
  return cmd
end

local function missing_server(program)
  return ('cannot start: %s is not a program on this machine. Build the server (`cargo install --path .` in the potpie-lsp repository, or the `build` step of the lazy.nvim spec), or set cmd in setup() to its path.'):format(
    program
  )
end

--- `root_dir` for vim.lsp.config: the project of the buffer's file (see lua/potpie/root.lua),
--- or no server, with a message saying why and what to do.
---@param opts potpie.Options
function M.root_dir(opts)
  return function(bufnr, on_dir)
    local fname = vim.api.nvim_buf_get_name(bufnr)
    if fname == '' or vim.bo[bufnr].buftype ~= '' then
      return
    end
    local dir, why = root.find(fname, opts.root_markers or root.default_markers, vim.fn.getcwd())
    if dir then
      on_dir(dir)
    elseif not fname:find('/potpie%-lsp/answers/') and not fname:find('/potpie%-lsp/threads/') then
      -- answer files and thread transcripts live in the server's cache, in no project: no news
      problem(why)
    end
  end
end

--- One line for a `Status` object.
---@param status table?
---@return string
function M.format_status(status)
  if type(status) ~= 'table' then
    return 'unknown'
  end
  local parts = { tostring(status.backend or '?'), tostring(status.state or '?') }
  if status.repoName then
    parts[#parts + 1] = status.repoName .. (status.branchName and ('@' .. status.branchName) or '')
  end
  local line = table.concat(parts, ' · ')
  if status.message and status.message ~= '' then
    line = line .. ' — ' .. status.message
  end
  return line
end

--- A short string for a statusline, empty when no client runs.
---@return string
function M.statusline()
  local client = M.client()
  if not client then
    return ''
  end
  local s = M.statuses[client.id]
  local busy = #answer.pending > 0 and ' …' or ''
  if not s then
    return 'potpie' .. busy
  end
  return ('potpie:%s %s%s'):format(s.backend or '?', s.state or '?', busy)
end

--- Sends `workspace/executeCommand` and calls back with (err, result). Used instead of
--- `client:exec_cmd`, because this plugin owns potpie.ask/explain client-side (so that code
--- actions reach it) and exec_cmd would route straight back here.
---@param client vim.lsp.Client
---@param command string
---@param arguments table
---@param bufnr integer
---@param cb fun(err: table?, result: any)
---@return integer? request id
local function execute(client, command, arguments, bufnr, cb)
  local ok, id = client:request('workspace/executeCommand', {
    command = command,
    arguments = arguments,
  }, function(err, result)
    cb(err, result)
  end, bufnr)
  if not ok then
    cb({ message = 'the server is not running' }, nil)
    return nil
  end
  return id
end

--- Quickfix entries for `Location`s, in the order the answer cites them.
---@param locations table[]
---@param encoding string
---@return table[]
function M.locations_to_qf(locations, encoding)
  local items = {}
  if type(locations) ~= 'table' then
    return items -- none, or JSON null
  end
  for _, loc in ipairs(locations) do
    if type(loc) == 'table' and type(loc.uri) == 'string' and type(loc.range) == 'table' then
      local fname = vim.uri_to_fname(loc.uri)
      local s, e = loc.range.start, loc.range['end']
      local lnum = s.line + 1
      local text = ''
      local buf = vim.fn.bufnr(fname)
      if buf > 0 and vim.api.nvim_buf_is_loaded(buf) then
        text = vim.api.nvim_buf_get_lines(buf, s.line, lnum, false)[1] or ''
      elseif vim.fn.filereadable(fname) == 1 then
        local lines = vim.fn.readfile(fname, '', lnum)
        text = lines[lnum] or ''
      end
      local col = vim.str_byteindex(text, encoding, s.character, false)
      text = vim.trim(text)
      if loc.stale == true then
        -- living citations: the cited code is gone; this is where it was
        text = text .. ' (changed since the answer)'
      end
      items[#items + 1] = {
        filename = fname,
        lnum = lnum,
        end_lnum = e.line + 1,
        col = col + 1,
        text = text,
        user_data = { potpie = loc },
      }
    end
  end
  return items
end

--- The quickfix list of the last answer's citations: its id and the answer's, so that
--- `potpie/citations` can refresh it when the cited code moves.
---@type { id: integer, answer_id: string, client_id: integer }?
M.citation_list = nil

--- Shows an `Answer` result: answer split, quickfix, `User PotpieAnswer` event.
local function deliver(client, view, result)
  answer.finish(view, result)
  local items = M.locations_to_qf(result.citations, client.offset_encoding)
  if #items > 0 then
    vim.fn.setqflist({}, ' ', {
      title = 'Potpie: ' .. view.label,
      items = items,
      context = { potpie = { answerId = result.answerId, threadId = result.threadId } },
    })
    M.citation_list = { id = vim.fn.getqflist({ id = 0 }).id, answer_id = result.answerId, client_id = client.id }
    if M.options.quickfix.open then
      local win = vim.api.nvim_get_current_win()
      vim.cmd('botright copen')
      vim.api.nvim_set_current_win(win)
    end
  end
  vim.api.nvim_exec_autocmds('User', {
    pattern = 'PotpieAnswer',
    modeline = false,
    data = { client_id = client.id, bufnr = view.bufnr, answer = result, quickfix = items },
  })
end

--- Runs potpie.ask or potpie.explain and shows the answer as it comes.
---@param client vim.lsp.Client
---@param command string 'potpie.ask' | 'potpie.explain'
---@param arg table the single argument object of the command
---@param label string
---@param bufnr integer
---@param on_done fun(err: table?, result: table?)?
---@return potpie.View
local function run_question(client, command, arg, label, bufnr, on_done)
  local view = answer.begin(label, client.id, M.options.answer, client.root_dir)
  view.request_id = execute(client, command, { arg }, bufnr, function(err, result)
    if view.done then
      return -- cancelled meanwhile
    end
    if err or type(result) ~= 'table' then
      local msg = err and err.message or 'the server returned no answer'
      answer.fail(view, msg)
      notify(msg, vim.log.levels.ERROR)
    else
      deliver(client, view, result)
    end
    if on_done then
      on_done(err, result)
    end
  end)
  return view
end

--- A label for an explain request: file and lines.
local function range_label(title, uri, range)
  local fname = vim.fn.fnamemodify(vim.uri_to_fname(uri), ':~:.')
  return ('%s %s:%d-%d'):format(title, fname, range.start.line + 1, range['end'].line + 1)
end

--- The LSP range of whole lines l1..l2 (1-based, inclusive) of a buffer.
---@return table
function M.line_range(bufnr, l1, l2, encoding)
  if l1 > l2 then
    l1, l2 = l2, l1
  end
  local last = vim.api.nvim_buf_get_lines(bufnr, l2 - 1, l2, false)[1] or ''
  return {
    start = { line = l1 - 1, character = 0 },
    ['end'] = { line = l2 - 1, character = vim.str_utfindex(last, encoding) },
  }
end

--- Ask a question. opts: agent, bufnr, range (LSP Range of a selection sent along as
--- context), on_done(err, Answer).
---@param question string
---@param opts table?
function M.ask(question, opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = need_client(bufnr)
  if not client then
    return
  end
  local arg = { question = question, agent = opts.agent, threadId = opts.thread }
  if opts.range then
    arg.uri = vim.uri_from_bufnr(bufnr)
    arg.range = opts.range
  end
  return run_question(client, 'potpie.ask', arg, question, bufnr, opts.on_done)
end

--- The thread a follow-up asked from `bufnr` continues: that of the answer buffer or the
--- transcript (from :PotpieThreads) it is, else the project's most recent ("last").
---@param bufnr integer
---@return string
function M.thread_of(bufnr)
  local info = vim.b[bufnr].potpie
  if type(info) == 'table' and type(info.threadId) == 'string' then
    return info.threadId
  end
  local t = vim.b[bufnr].potpie_thread
  return type(t) == 'string' and t or 'last'
end

--- Ask a follow-up in a thread. opts: thread (an id or "last"; default: M.thread_of the
--- current buffer), agent, bufnr, on_done(err, Answer).
---@param question string
---@param opts table?
function M.follow_up(question, opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  return M.ask(question, {
    thread = opts.thread or M.thread_of(bufnr),
    agent = opts.agent,
    bufnr = bufnr,
    on_done = opts.on_done,
  })
end

--- One line for a `potpie.threads` entry.
function M.format_thread(t)
  local n = tonumber(t.answers) or 0
  local when = type(t.updatedAt) == 'string' and t.updatedAt:gsub('T', ' '):gsub('%..*$', ''):gsub('Z$', '') or ''
  return ('%s  (%d answer%s%s)'):format(t.title or t.threadId, n, n == 1 and '' or 's', when ~= '' and (', ' .. when) or '')
end

--- Opens a thread's transcript in the current window; :PotpieFollowUp there continues it.
function M.open_thread(t, client_id)
  if type(t.transcriptUri) ~= 'string' then
    notify('thread ' .. tostring(t.threadId) .. ' has no transcript', vim.log.levels.WARN)
    return nil
  end
  vim.cmd.edit(vim.fn.fnameescape(vim.uri_to_fname(t.transcriptUri)))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.b[bufnr].potpie_thread = t.threadId
  vim.b[bufnr].potpie_client = client_id
  return bufnr
end

--- Runs the argument-less server command `command` for the current buffer's project; an error
--- is shown to the user. on_result(err, result, client) runs either way.
local function run_for_buffer(command, on_result)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = need_client(bufnr)
  if not client then
    return
  end
  execute(client, command, {}, bufnr, function(err, result)
    if err then
      notify(err.message or tostring(err), vim.log.levels.ERROR)
    end
    on_result(err, result, client)
  end)
end

--- Lists the project's threads (most recent first) with vim.ui.select and opens the chosen
--- one's transcript. opts: on_done(err, threads, chosen).
---@param opts table?
function M.threads(opts)
  opts = opts or {}
  run_for_buffer('potpie.threads', function(err, result, client)
    if err then
      return opts.on_done and opts.on_done(err)
    end
    local threads = vim.tbl_filter(function(t)
      return type(t) == 'table' and type(t.threadId) == 'string'
    end, type(result) == 'table' and result or {})
    if #threads == 0 then
      notify('no threads yet: ask a question first')
      return opts.on_done and opts.on_done(nil, threads)
    end
    vim.ui.select(threads, { prompt = 'Potpie threads', format_item = M.format_thread, kind = 'potpie.thread' }, function(choice)
      if choice then
        M.open_thread(choice, client.id)
      end
      if opts.on_done then
        opts.on_done(nil, threads, choice)
      end
    end)
  end)
end

--- Explain a range of a buffer. opts: agent, bufnr, range (LSP Range; default: the current
--- line), on_done(err, Answer).
---@param opts table?
function M.explain(opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = need_client(bufnr)
  if not client then
    return
  end
  local range = opts.range
  if not range then
    local l = vim.api.nvim_win_get_cursor(0)[1]
    range = M.line_range(bufnr, l, l, client.offset_encoding)
  end
  local arg = { uri = vim.uri_from_bufnr(bufnr), range = range, agent = opts.agent }
  local title = opts.agent and ('Ask ' .. opts.agent .. ' about') or 'Explain'
  return run_question(client, 'potpie.explain', arg, range_label(title, arg.uri, range), bufnr, opts.on_done)
end

local function status_command(command, verb)
  return function(opts)
    opts = opts or {}
    run_for_buffer(command, function(err, result, client)
      if not err then
        M.statuses[client.id] = result
        if not opts.silent then
          notify(verb .. M.format_status(result))
        end
      end
      if opts.on_done then
        opts.on_done(err, result)
      end
    end)
  end
end

--- Shows the server's status. opts: on_done(err, Status), silent.
M.status = status_command('potpie.status', '')
--- Asks the server to parse (index) the workspace again. opts: on_done(err, Status), silent.
M.reparse = status_command('potpie.reparse', 'reparsing: ')

--- Cancels every question still waiting for its answer ($/cancelRequest; with the Potpie
--- backend the server also stops the conversation). Returns how many were cancelled.
---@return integer
function M.cancel()
  local n = 0
  for _, view in ipairs(vim.list_slice(answer.pending)) do
    local client = vim.lsp.get_client_by_id(view.client_id)
    if client and view.request_id then
      client:cancel_request(view.request_id)
    end
    -- Neovim never calls the handler of a cancelled request, so finish the view here
    answer.fail(view, 'cancelled')
    n = n + 1
  end
  return n
end

--- Removes the Hint diagnostics of the last answer. opts: on_done(err).
function M.clear(opts)
  opts = opts or {}
  run_for_buffer('potpie.clearHints', function(err)
    if opts.on_done then
      opts.on_done(err)
    end
  end)
end

-- Code actions carry potpie.ask/potpie.explain commands. Neovim runs them through
-- `client:exec_cmd` without a result handler, so the plugin takes them over client-side
-- (`commands` of the config) and sends them itself, keeping the answer.
local function code_action_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local arg = type(command.arguments) == 'table' and command.arguments[1] or {}
  local label
  if command.command == 'potpie.explain' and type(arg.uri) == 'string' and type(arg.range) == 'table' then
    label = range_label((command.title or 'Explain'):gsub('^Potpie: ', ''), arg.uri, arg.range)
  else
    label = type(arg.question) == 'string' and arg.question or (command.title or command.command)
  end
  run_question(client, command.command, arg, label, ctx.bufnr or 0)
end

local function on_status(_, params, ctx)
  if type(params) == 'table' then
    M.statuses[ctx.client_id] = params
    vim.api.nvim_exec_autocmds('User', {
      pattern = 'PotpieStatus',
      modeline = false,
      data = { client_id = ctx.client_id, status = params },
    })
  end
end

local function on_chunk(_, params, ctx)
  answer.on_chunk(ctx.client_id, params)
end

--- `potpie/citations`: the last answer's citations moved with their code (or went stale).
--- Refreshes that answer's quickfix list in place, when it still exists.
local function on_citations(_, params, ctx)
  if type(params) ~= 'table' or type(params.answerId) ~= 'string' or type(params.citations) ~= 'table' then
    return
  end
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local items = M.locations_to_qf(params.citations, client.offset_encoding)
  local list = M.citation_list
  local refreshed = false
  if list and list.answer_id == params.answerId and list.client_id == client.id and vim.fn.getqflist({ id = list.id }).id == list.id then
    vim.fn.setqflist({}, 'r', { id = list.id, items = items })
    refreshed = true
  end
  vim.api.nvim_exec_autocmds('User', {
    pattern = 'PotpieCitations',
    modeline = false,
    data = { client_id = client.id, answerId = params.answerId, threadId = params.threadId, citations = params.citations, quickfix = refreshed and items or nil },
  })
end

--- The vim.lsp.config for potpie-lsp with this plugin's handlers.
---@param opts potpie.Options
---@return vim.lsp.Config
function M.lsp_config(opts)
  local init_options = vim.deepcopy(opts.settings or {})
  -- the plugin shows answers in its own split; the server need not open the answer file
  if init_options.openAnswers == nil then
    init_options.openAnswers = false
  end
  local cfg = {
    cmd = M.server_cmd(opts.cmd),
    filetypes = opts.filetypes,
    root_dir = M.root_dir(opts),
    workspace_required = opts.workspace_required,
    init_options = init_options,
    settings = { potpie = init_options },
    handlers = {
      ['potpie/answerChunk'] = on_chunk,
      ['potpie/status'] = on_status,
      ['potpie/citations'] = on_citations,
    },
    commands = {
      ['potpie.ask'] = code_action_command,
      ['potpie.explain'] = code_action_command,
    },
  }
  return vim.tbl_deep_extend('force', cfg, opts.lsp or {})
end

local progress_titles = {}

local function on_progress(ev)
  local client = vim.lsp.get_client_by_id(ev.data.client_id)
  if not is_potpie(client) then
    return
  end
  local params = ev.data.params or {}
  local value = params.value
  if type(value) ~= 'table' then
    return
  end
  local token = tostring(params.token)
  if value.kind == 'begin' then
    progress_titles[token] = value.title
  end
  local title = progress_titles[token] or value.title or 'Potpie'
  if value.kind == 'end' then
    progress_titles[token] = nil
  end
  local msg = value.message
  if msg and msg ~= '' and value.kind ~= 'end' then
    answer.on_activity(client.id, msg)
  end
  if M.options.progress.echo then
    local line = title .. (msg and msg ~= '' and (': ' .. msg) or '')
    if value.percentage then
      line = line .. (' (%d%%)'):format(value.percentage)
    end
    if value.kind == 'end' then
      line = line .. ' — done'
    end
    vim.api.nvim_echo({ { (line:gsub('\n', ' ')) } }, false, {})
  end
end

local agents = {
  'codebase_qna_agent',
  'debugging_agent',
  'unit_test_agent',
  'integration_test_agent',
  'LLD_agent',
  'code_changes_agent',
  'code_generation_agent',
  'general_purpose_agent',
}

local function complete_agent(lead)
  return vim.tbl_filter(function(a)
    return a:find(lead, 1, true) == 1
  end, agents)
end

--- `@agent rest of the question` → agent, question.
local function split_agent(text)
  local agent, rest = text:match('^@([%w_%-]+)%s+(.+)$')
  if agent then
    return agent, rest
  end
  return nil, text
end

local function create_commands()
  local cmd = vim.api.nvim_create_user_command
  cmd('PotpieAsk', function(o)
    local bufnr = vim.api.nvim_get_current_buf()
    local range
    if o.range > 0 then
      local client = M.client(bufnr)
      range = M.line_range(bufnr, o.line1, o.line2, client and client.offset_encoding or 'utf-16')
    end
    local function go(text)
      if not text or vim.trim(text) == '' then
        return
      end
      local agent, question = split_agent(vim.trim(text))
      M.ask(question, { agent = agent, range = range, bufnr = bufnr })
    end
    if o.args ~= '' then
      go(o.args)
    else
      vim.ui.input({ prompt = 'Ask Potpie: ' }, go)
    end
  end, {
    nargs = '*',
    range = true,
    desc = 'Ask Potpie about the codebase (`@agent question`; a range is sent as context)',
  })
  cmd('PotpieFollowUp', function(o)
    local bufnr = vim.api.nvim_get_current_buf()
    local function go(text)
      if not text or vim.trim(text) == '' then
        return
      end
      local agent, question = split_agent(vim.trim(text))
      M.follow_up(question, { agent = agent, bufnr = bufnr })
    end
    if o.args ~= '' then
      go(o.args)
    else
      vim.ui.input({ prompt = 'Follow up: ' }, go)
    end
  end, {
    nargs = '*',
    desc = "Ask a follow-up in this answer's thread (else the most recent one)",
  })
  cmd('PotpieThreads', function()
    M.threads()
  end, { desc = "List Potpie's threads and open one's transcript" })
  cmd('PotpieExplain', function(o)
    local bufnr = vim.api.nvim_get_current_buf()
    local client = need_client(bufnr)
    if not client then
      return
    end
    local range = M.line_range(bufnr, o.line1, o.line2, client.offset_encoding)
    M.explain({ range = range, bufnr = bufnr, agent = o.args ~= '' and o.args or nil })
  end, {
    nargs = '?',
    range = true,
    complete = complete_agent,
    desc = 'Explain the selected lines (optionally with another agent)',
  })
  cmd('PotpieStatus', function()
    M.status()
  end, { desc = 'Show the potpie-lsp backend and parse state' })
  cmd('PotpieReparse', function()
    M.reparse()
  end, { desc = 'Parse (index) the workspace again' })
  cmd('PotpieCancel', function()
    local n = M.cancel()
    notify(n == 0 and 'nothing to cancel' or ('cancelled %d question%s'):format(n, n == 1 and '' or 's'))
  end, { desc = 'Cancel the questions still waiting for an answer' })
  cmd('PotpieClear', function()
    M.clear()
  end, { desc = 'Remove the Hint diagnostics of the last Potpie answer' })
end

--- Registers potpie-lsp with vim.lsp.config/vim.lsp.enable and creates the commands.
---@param opts potpie.Options?
function M.setup(opts)
  if vim.fn.has('nvim-0.11') ~= 1 then
    notify('needs Neovim 0.11 or later', vim.log.levels.ERROR)
    return
  end
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  vim.lsp.config(M.NAME, M.lsp_config(M.options))
  create_commands()
  local group = vim.api.nvim_create_augroup('potpie', { clear = true })
  vim.api.nvim_create_autocmd('LspProgress', { group = group, callback = on_progress })
  local cmd = M.server_cmd(M.options.cmd)
  if M.options.enable and type(cmd) == 'table' and vim.fn.executable(cmd[1]) ~= 1 then
    -- Neovim skips a config whose program is missing with a line in lsp.log only; say it
    -- where the user looks, when the first file that would have started it opens.
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      callback = function(ev)
        if vim.bo[ev.buf].buftype == '' and vim.api.nvim_buf_get_name(ev.buf) ~= '' then
          problem(missing_server(cmd[1]))
        end
      end,
    })
  end
  if M.options.enable then
    vim.lsp.enable(M.NAME)
  end
end

--- Answer buffers and state, for scripts and tests.
M.answers = answer

return M
