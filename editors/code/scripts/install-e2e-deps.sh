#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs: Debian's Chromium and ripgrep, and
# code-server (VS Code for the web) with its native modules built from source, into a
# cache directory outside the repository. Idempotent: a finished install is detected by
# a stamp file and skipped, so CI can call it on every run.
#
# Only package registries are reached: code-server's own install scripts download
# prebuilt binaries, so they are skipped (--ignore-scripts) and the native modules are
# rebuilt against the local Node headers instead.
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
CACHE="${POTPIE_E2E_CACHE:-$HOME/.cache/potpie-lsp-e2e}"
PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
STAMP="$PREFIX/.installed"

log() { printf '[install-e2e-deps] %s\n' "$*" >&2; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
# fonts so that screenshots show text
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need_apt+=(fonts-dejavu-core)
if ((${#need_apt[@]})); then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [[ "$(node -p 'process.versions.node.split(".")[0]')" != 20 ]]; then
  log "warning: code-server $CODE_SERVER_VERSION is built for Node 20; found $(node --version)"
fi

if [[ -f "$STAMP" ]]; then
  log "code-server $CODE_SERVER_VERSION already installed in $PREFIX"
  exit 0
fi

# node-gyp must build against local headers instead of downloading them.
nodedir="$(npm config get nodedir 2>/dev/null || true)"
if [[ -z "$nodedir" || "$nodedir" == undefined || "$nodedir" == null ]]; then
  if [[ -f /usr/include/node/node.h ]]; then export npm_config_nodedir=/usr; fi
fi

mkdir -p "$PREFIX"
cd "$PREFIX"
[[ -f package.json ]] || printf '{"name":"potpie-e2e-code-server","private":true}\n' > package.json
log "npm install code-server@$CODE_SERVER_VERSION (scripts skipped)"
npm install --no-audit --no-fund --ignore-scripts --no-save "code-server@$CODE_SERVER_VERSION"

CS="$PREFIX/node_modules/code-server"
VS="$CS/lib/vscode"
log "npm install in lib/vscode (production deps, scripts skipped)"
(cd "$VS" && npm install --no-audit --no-fund --ignore-scripts --omit=dev)

# ripgrep: its install script downloads a binary; use Debian's instead.
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
ln -sf "$(command -v rg)" "$VS/node_modules/@vscode/ripgrep/bin/rg"

# Rebuild every native module of lib/vscode except ripgrep (and node-pty, which the
# test does not need and which may fail to build: a failure there is only a warning).
mapfile -t natives < <(cd "$VS" && find node_modules -name binding.gyp -not -path '*/node_modules/*/node_modules/*' \
  | sed -E 's#^node_modules/##; s#/binding.gyp$##' | grep -v -E '^@vscode/ripgrep$' | sort -u)
for m in "${natives[@]}"; do
  case "$m" in
    */test/*|*/deps/*|*/src/*) continue ;;
    @vscode/windows-*) continue ;; # loaded on Windows only
  esac
  log "npm rebuild $m"
  if ! (cd "$VS" && npm rebuild --no-audit --no-fund "$m" >"$PREFIX/rebuild-${m//\//_}.log" 2>&1); then
    if [[ "$m" == node-pty ]]; then
      log "warning: node-pty failed to build (not needed by the test); see $PREFIX/rebuild-node-pty.log"
    else
      log "error: $m failed to build; see $PREFIX/rebuild-${m//\//_}.log"
      tail -n 30 "$PREFIX/rebuild-${m//\//_}.log" >&2
      exit 1
    fi
  fi
done

log "npm rebuild argon2 (top level)"
(cd "$PREFIX" && npm rebuild --no-audit --no-fund argon2 >"$PREFIX/rebuild-argon2.log" 2>&1) || {
  tail -n 30 "$PREFIX/rebuild-argon2.log" >&2; exit 1; }

"$CS/out/node/entry.js" --version >/dev/null 2>&1 || node "$CS/out/node/entry.js" --version >/dev/null
date -u +%FT%TZ > "$STAMP"
log "done: $CS/out/node/entry.js"
