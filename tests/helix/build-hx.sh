#!/usr/bin/env bash
# Builds Helix's `hx` from a source tarball (HELIX_SRC_TARBALL) into a cache outside the
# repository, keyed by the tarball's sha256, and prints the cache directory (holding `hx` and
# `runtime/`). A second call with the same tarball prints the directory at once.
#
#   HELIX_SRC_TARBALL=/path/to/helix-25.07.1.tar.xz bash tests/helix/build-hx.sh
#
# A dev build without debug info: it compiles in about half the time of Helix's release
# profile (thin LTO), and the tests open a few small files, where the speed of an
# unoptimised hx does not show. Crates come from the crates registry; grammars are not built
# (HELIX_DISABLE_AUTO_GRAMMAR_BUILD): the tests need no syntax highlighting.
set -euo pipefail

tarball="${HELIX_SRC_TARBALL:?set HELIX_SRC_TARBALL to a Helix source tarball}"
[ -f "$tarball" ] || { echo "HELIX_SRC_TARBALL=$tarball is not a file" >&2; exit 2; }
sha=$(sha256sum "$tarball" | cut -c1-64)
cache_root="${POTPIE_HELIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/potpie-lsp/helix}"
dir="$cache_root/$sha"
if [ -x "$dir/hx" ] && [ -d "$dir/runtime" ]; then
  echo "$dir"
  exit 0
fi

# cargo through the machine's build-slot wrapper when there is one
cargo=(cargo)
command -v cargo-slot >/dev/null && cargo=(cargo-slot)

mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar xJf "$tarball" -C "$work"
src=$(find "$work" -mindepth 2 -maxdepth 2 -name Cargo.toml -printf '%h\n' | head -n1)
[ -n "$src" ] || { echo "no Cargo.toml at the top of $tarball" >&2; exit 1; }

start=$SECONDS
echo "building hx from $(basename "$tarball") (sha256 ${sha:0:12}…); a few minutes on 2 cores" >&2
# rust-toolchain.toml pins an older toolchain than the machine has: use the installed stable.
(cd "$src" && RUSTUP_TOOLCHAIN=stable HELIX_DISABLE_AUTO_GRAMMAR_BUILD=1 RUSTFLAGS=--cap-lints=allow \
  CARGO_TARGET_DIR="$work/target" CARGO_PROFILE_DEV_DEBUG=0 CARGO_INCREMENTAL=0 \
  "${cargo[@]}" build --locked --quiet -p helix-term --bin hx) >&2
echo "built hx in $((SECONDS - start)) s" >&2

staging="$work/out"
mkdir -p "$staging"
cp "$work/target/debug/hx" "$staging/hx"
cp -R "$src/runtime" "$staging/runtime"
rm -rf "$dir"
mv "$staging" "$dir"
echo "$dir"
