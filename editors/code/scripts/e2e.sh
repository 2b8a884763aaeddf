#!/usr/bin/env bash
# End-to-end test of the extension in real VS Code: code-server (VS Code for the web) with the
# packaged extension installed, a copy of test/fixtures/sample-repo as the workspace, driven in
# headless Chromium by test/e2e/run.mjs. Exits non-zero on failure; always stops code-server.
#
#   POTPIE_LSP_BIN=/path/to/potpie-lsp bash editors/code/scripts/e2e.sh
#
# Environment:
#   POTPIE_LSP_BIN        the server binary to test (required)
#   E2E_SKIP_INSTALL=1    do not run install-e2e-deps.sh (already done)
#   E2E_SCREENSHOT=path   where to save the answer panel screenshot (default:
#                         <repo>/docs/screenshots/vscode-answer.png; the temp dir with the mock)
#   E2E_KEEP=1            keep the temp directory (logs, workspace) for inspection
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
log "building and packaging the extension"
npx vsce package --skip-license --allow-missing-repository -o "$HERE/potpie-vscode.vsix" >/dev/null

TMP="$(mktemp -d "${TMPDIR:-/tmp}/potpie-e2e.XXXXXX")"
CS_PID=""
FAKE_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$FAKE_PID" ]]; then kill "$FAKE_PID" 2>/dev/null || true; fi
  if [[ -n "$CS_PID" ]] && kill -0 "$CS_PID" 2>/dev/null; then
    kill "$CS_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CS_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 ]]; then
    log "failed (exit $rc); code-server log tail:"
    tail -n 40 "$TMP/code-server.log" >&2 2>/dev/null || true
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

WS="$TMP/workspace"
cp -r "$HERE/test/fixtures/sample-repo" "$WS"
# A real repository, as users have: the server reads the remote and branch from git.
(cd "$WS" && git init -q -b main && git -c user.name=e2e -c user.email=e2e@localhost add -A \
  && git -c user.name=e2e -c user.email=e2e@localhost commit -qm fixture \
  && git remote add origin https://example.invalid/acme/tiny-shop.git)

mkdir -p "$TMP/user-data/User" "$TMP/extensions" "$TMP/cache"

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
elif [[ "$(basename "$POTPIE_LSP_BIN")" == mock-potpie-lsp.mjs ]]; then
  export E2E_API_KEY="${E2E_API_KEY:-sk-e2e-$RANDOM$RANDOM}"
  export E2E_EXPECT_STREAMING="${E2E_EXPECT_STREAMING:-1}"
fi
cat > "$TMP/user-data/User/settings.json" <<JSON
{
  "potpie.serverPath": "$POTPIE_LSP_BIN",
  "potpie.backend": "auto",
  "potpie.baseUrl": "$BASE_URL",
  "potpie.answersDir": "$TMP/answers",
  "security.workspace.trust.enabled": false,
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
  "chat.commandCenter.enabled": false
}
JSON

log "installing the extension into code-server"
node "$CS/out/node/entry.js" --extensions-dir "$TMP/extensions" --user-data-dir "$TMP/user-data" \
  --install-extension "$HERE/potpie-vscode.vsix" >"$TMP/install.log" 2>&1 \
  || { cat "$TMP/install.log" >&2; exit 1; }

PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
log "starting code-server on 127.0.0.1:$PORT"
# Nothing may be fetched from outside: the extension gallery is switched off, and the server
# keeps its cache (index, answers) inside the temp directory.
env -u POTPIE_API_KEY -u POTPIE_BASE_URL XDG_CACHE_HOME="$TMP/cache" POTPIE_LSP_CACHE_DIR="$TMP/cache/potpie-lsp" \
  EXTENSIONS_GALLERY='{}' \
  node "$CS/out/node/entry.js" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --bind-addr "127.0.0.1:$PORT" \
  --extensions-dir "$TMP/extensions" --user-data-dir "$TMP/user-data" "$WS" \
  >"$TMP/code-server.log" 2>&1 &
CS_PID=$!

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$CS_PID" 2>/dev/null || { log "code-server exited"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { log "code-server did not come up"; exit 1; }
log "code-server is up after $((SECONDS - t0)) s"

SHOT="${E2E_SCREENSHOT:-$REPO/docs/screenshots/vscode-answer.png}"
if [[ -z "${E2E_SCREENSHOT:-}" && "$(basename "$POTPIE_LSP_BIN")" == mock-potpie-lsp.mjs ]]; then
  SHOT="$TMP/vscode-answer.png" # the documented screenshot comes from the real server only
fi
mkdir -p "$(dirname "$SHOT")"
E2E_URL="http://127.0.0.1:$PORT/?folder=$WS" E2E_WORKSPACE="$WS" E2E_SCREENSHOT="$SHOT" \
  E2E_ARTIFACTS="$TMP" CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}" \
  node "$HERE/test/e2e/run.mjs"
log "passed"
