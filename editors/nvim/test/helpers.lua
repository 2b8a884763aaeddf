-- Shared bits of the headless Neovim tests (run with `nvim --headless -u NONE -i NONE -l`).
-- A failed check prints what the editor saw and exits with status 1.

local H = {}

H.timeout = tonumber(vim.env.POTPIE_TEST_TIMEOUT_MS or '') or 120000

function H.log(msg)
  io.stdout:write(msg .. '\n')
  io.stdout:flush()
end

function H.env(name)
  local v = vim.env[name]
  if not v or v == '' then
    H.log('missing environment variable ' .. name .. ' (run tests/editors_nvim.sh)')
    vim.cmd('cquit 2')
  end
  return v
end

--- Extra lines printed when a check fails (filled in by the test).
H.on_fail = nil

local function dump_state()
  local ok, potpie = pcall(require, 'potpie')
  if ok and potpie.answers and potpie.answers.last then
    local view = potpie.answers.last
    H.log('--- last answer buffer (' .. vim.api.nvim_buf_get_name(view.bufnr) .. '):')
    H.log(potpie.answers.text(view.bufnr))
  end
  H.log('--- quickfix: ' .. vim.inspect(vim.fn.getqflist()))
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get()) do
    diags[#diags + 1] = ('%s:%d %s [%s]'):format(vim.api.nvim_buf_get_name(d.bufnr), d.lnum + 1, d.message, tostring(d.source))
  end
  H.log('--- diagnostics:\n' .. table.concat(diags, '\n'))
  if H.on_fail then
    pcall(H.on_fail)
  end
  local lsp_log = vim.lsp.log.get_filename()
  H.log('--- lsp log: ' .. lsp_log)
end

function H.fail(msg)
  H.log('not ok - ' .. msg)
  dump_state()
  vim.cmd('cquit 1')
end

function H.check(cond, msg)
  if not cond then
    H.fail(msg)
  end
  H.log('ok - ' .. msg)
end

--- Polls until pred() is truthy; fails with `what` after `ms`.
function H.wait(what, pred, ms)
  local got
  local ok = vim.wait(ms or H.timeout, function()
    got = pred()
    return got
  end, 50)
  if not ok then
    H.fail('timed out waiting for ' .. what)
  end
  return got
end

--- Runs main and turns a Lua error into a failure (status 1) instead of a hang.
function H.run(main)
  local ok, err = xpcall(main, debug.traceback)
  if not ok then
    H.fail('error: ' .. tostring(err))
  end
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop()
  end
  vim.wait(5000, function()
    return #vim.lsp.get_clients() == 0
  end, 50)
  vim.cmd('qa!')
end

--- Buffers whose name ends with `suffix`.
function H.buf_named(suffix)
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_get_name(b)
    if name:sub(-#suffix) == suffix then
      return b
    end
  end
end

function H.read(path)
  local f = io.open(path, 'r')
  if not f then
    return nil
  end
  local s = f:read('*a')
  f:close()
  return s
end

--- Hint diagnostics published by potpie-lsp, over all buffers.
function H.potpie_hints()
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(nil, { severity = vim.diagnostic.severity.HINT })) do
    if d.source == 'potpie' then
      out[#out + 1] = d
    end
  end
  return out
end

--- Does a quickfix item point at `rel` (relative to root) and cover line `line`?
function H.qf_has(items, root, rel, line)
  local function real(p)
    return vim.uv.fs_realpath(p) or vim.fs.normalize(p)
  end
  local want = real(root .. '/' .. rel)
  for _, it in ipairs(items) do
    local fname = it.filename or (it.bufnr and vim.api.nvim_buf_get_name(it.bufnr)) or ''
    local last = (it.end_lnum and it.end_lnum > 0) and it.end_lnum or it.lnum
    if real(fname) == want and it.lnum <= line and line <= last then
      return true
    end
  end
  return false
end

return H
