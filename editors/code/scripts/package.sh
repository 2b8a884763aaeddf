#!/usr/bin/env bash
# Packages the extension as a VSIX: one esbuild bundle, the manifest, README, CHANGELOG,
# LICENSE and the icon — and, in a platform package, the potpie-lsp server, which the extension
# runs when potpie.serverPath is unset and no potpie-lsp is on PATH.
#
#   bash scripts/package.sh                                   # universal: no server inside
#   bash scripts/package.sh --target x86_64-unknown-linux-gnu # platform (linux-x64): builds the
#                                                             # release server for that Rust target
#   bash scripts/package.sh --target x86_64-unknown-linux-gnu --server target/debug/potpie-lsp
#                                                             # platform, with a binary you built
#   … -o out.vsix                                             # where to write it
#
# Prints the package's size and its files. Any Rust target with a VS Code counterpart works
# (cross-compiling needs that target's toolchain installed).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
target="" server="" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --server) server="$2"; shift 2 ;;
    -o) out="$2"; shift 2 ;;
    *) echo "usage: package.sh [--target RUST_TARGET [--server BINARY]] [-o FILE.vsix]" >&2; exit 2 ;;
  esac
done

# Rust target → VS Code platform
vscode_target() {
  case "$1" in
    x86_64-unknown-linux-gnu) echo linux-x64 ;;
    aarch64-unknown-linux-gnu) echo linux-arm64 ;;
    armv7-unknown-linux-gnueabihf) echo linux-armhf ;;
    x86_64-unknown-linux-musl) echo alpine-x64 ;;
    aarch64-unknown-linux-musl) echo alpine-arm64 ;;
    x86_64-apple-darwin) echo darwin-x64 ;;
    aarch64-apple-darwin) echo darwin-arm64 ;;
    x86_64-pc-windows-msvc | x86_64-pc-windows-gnu) echo win32-x64 ;;
    aarch64-pc-windows-msvc) echo win32-arm64 ;;
    *) return 1 ;;
  esac
}

cd "$HERE"
if [[ ! -d node_modules/esbuild || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf server
trap 'rm -rf "$HERE/server"' EXIT

vsce_args=()
if [ -n "$target" ]; then
  platform=$(vscode_target "$target") || { echo "no VS Code platform for the Rust target $target" >&2; exit 2; }
  exe=potpie-lsp
  [[ "$target" == *windows* ]] && exe=potpie-lsp.exe
  if [ -z "$server" ]; then
    cargo=(cargo)
    command -v cargo-slot >/dev/null && cargo=(cargo-slot)
    echo "building the release server for $target" >&2
    start=$SECONDS
    (cd "$REPO" && "${cargo[@]}" build --quiet --release --locked --bin potpie-lsp --target "$target")
    echo "built in $((SECONDS - start)) s" >&2
    server="${CARGO_TARGET_DIR:-$REPO/target}/$target/release/$exe"
  fi
  [ -x "$server" ] || { echo "no server binary at $server" >&2; exit 1; }
  mkdir -p server
  cp "$server" "server/$exe"
  chmod 755 "server/$exe"
  # The release profile keeps line tables (for profiling); the package needs only the symbol
  # names that panics print. Linux targets, where the host's strip reads the binary.
  if [[ "$target" == *linux* ]] && command -v strip >/dev/null; then
    strip --strip-debug "server/$exe" 2>/dev/null || true
  fi
  vsce_args+=(--target "$platform")
  out="${out:-$HERE/potpie-vscode-$platform.vsix}"
else
  out="${out:-$HERE/potpie-vscode.vsix}"
fi

# Relative links of the README (the screenshot lives in the repository's docs/) resolve from
# this directory of the repository; vsce alone would resolve them from its root.
web=$(node -p 'const r = require("./package.json").repository; r.url.replace(/\.git$/, "") + " " + (r.directory || "")')
read -r repo_url repo_dir <<<"$web"
vsce_args+=(--baseImagesUrl "$repo_url/raw/HEAD/$repo_dir/" --baseContentUrl "$repo_url/blob/HEAD/$repo_dir/")

# vsce runs vscode:prepublish (type check, then the esbuild bundle).
npx vsce package "${vsce_args[@]}" -o "$out"
python3 - "$out" <<'PY'
import os, sys, zipfile
path = sys.argv[1]
with zipfile.ZipFile(path) as z:
    files = [i for i in z.infolist() if not i.is_dir()]
    print(f"{os.path.basename(path)}: {os.path.getsize(path) / 1e6:.2f} MB, {len(files)} files")
    for i in files:
        print(f"  {i.file_size:>10}  {i.filename}")
PY
