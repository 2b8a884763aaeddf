-- Where potpie-lsp runs for a buffer: the project the file belongs to. The nearest directory
-- holding one of the root markers, markers earlier in the list first (so a repository's top
-- wins over a package.json inside it); for a project with none of them, the working directory
-- when the file lies inside it. Never the home directory or `/`: indexing either would read
-- everything the user owns.

local M = {}

--- Version control first, then the manifests of common ecosystems.
M.default_markers = {
  '.git',
  '.hg',
  '.jj',
  '.svn',
  'pyproject.toml',
  'setup.py',
  'setup.cfg',
  'requirements.txt',
  'package.json',
  'Cargo.toml',
  'go.mod',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'CMakeLists.txt',
  'Makefile',
  'composer.json',
  'Gemfile',
  'mix.exs',
}

local function real(path)
  return vim.uv.fs_realpath(path) or vim.fs.normalize(path)
end

--- Whether `dir` may be a root: not `/`, not the home directory.
function M.allowed(dir)
  if not dir or dir == '' then
    return false
  end
  dir = real(dir)
  local home = vim.uv.os_homedir()
  return dir ~= '/' and not (home and dir == real(home))
end

local function inside(path, dir)
  path, dir = real(path), real(dir)
  return path == dir or path:sub(1, #dir + 1) == dir .. '/'
end

--- The root for a file, or nil and why not (one sentence that says what to do).
---@param fname string absolute path of the buffer's file
---@param markers string[]
---@param cwd string
---@return string? root, string? why
function M.find(fname, markers, cwd)
  local start = vim.fs.dirname(fname)
  for _, marker in ipairs(markers) do
    local found = vim.fs.find(marker, { upward = true, path = start, limit = 1 })[1]
    if found then
      local dir = vim.fs.dirname(found)
      if M.allowed(dir) then
        return dir
      end
    end
  end
  if inside(fname, cwd) and M.allowed(cwd) then
    return real(cwd)
  end
  local where = M.allowed(cwd) and ('the working directory %s does not contain it'):format(cwd)
    or ('the working directory %s is %s'):format(cwd, real(cwd) == '/' and '/' or 'your home directory')
  return nil,
    ('no project found for %s: no %s above it, and %s. Start Neovim in the project\'s directory (`:cd` works too), or add a file of your project to root_markers in setup().'):format(
      vim.fn.fnamemodify(fname, ':~'),
      table.concat(vim.list_slice(markers, 1, 4), ', ') .. (#markers > 4 and ', …' or ''),
      where
    )
end

return M
