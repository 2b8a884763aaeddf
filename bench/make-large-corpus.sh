#!/usr/bin/env bash
# A large corpus from the package sources already on this machine, for the scale benchmarks
# (`cargo bench --bench first_answer -- DEST`, `cargo bench --bench engine -- DEST`):
#
#   bash bench/make-large-corpus.sh DEST LINES [--python]
#
# Copies crates from cargo's registry source cache (~/.cargo/registry/src/*/), in name order,
# into DEST until their .rs files reach LINES lines. Generated bindings (linux-raw-sys,
# windows*, libc) are left out: half a million lines of constants are no codebase anyone asks
# about, and they would dominate a million-line corpus. With --python, the crates are all
# copied and then the packages of Python's site-packages (the largest found) are added, also
# in name order, until LINES is reached: the mix of a polyglot monorepo. Nothing is fetched.
set -euo pipefail

usage() {
  echo "usage: $0 DEST LINES [--python]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
dest=$1
want=$2
python=${3:-}
[[ "$want" =~ ^[0-9]+$ ]] || usage

registry=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ 2>/dev/null | head -1)
if [ -z "$registry" ]; then
  echo "no cargo registry sources under ${CARGO_HOME:-$HOME/.cargo}/registry/src: run a cargo build first" >&2
  exit 1
fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
  echo "$dest exists and is not empty" >&2
  exit 1
fi
mkdir -p "$dest"

lines_in() { # lines of the files with the given extensions under a folder
  local dir=$1
  shift
  local args=() ext
  for ext in "$@"; do
    args+=(-o -name "*.$ext")
  done
  find "$dir" -type f \( "${args[@]:1}" \) -print0 | xargs -0 cat 2>/dev/null | wc -l
}

total=0
for crate in $(ls "$registry" | sort); do
  case "$crate" in
    linux-raw-sys-* | windows* | libc-*) continue ;;
  esac
  if [ "$python" != "--python" ] && [ "$total" -ge "$want" ]; then
    break
  fi
  cp -r "$registry/$crate" "$dest/"
  total=$((total + $(lines_in "$registry/$crate" rs)))
done
echo "crates: $total lines of Rust"

if [ "$python" = "--python" ]; then
  # The walk skips folders named site-packages (installed dependencies), so the packages go
  # under a folder of another name.
  site=$(python3 - <<'EOF'
import site, os
dirs = [d for d in site.getsitepackages() if os.path.isdir(d)]
print(max(dirs, key=lambda d: len(os.listdir(d))) if dirs else "")
EOF
)
  [ -n "$site" ] || { echo "no site-packages found" >&2; exit 1; }
  mkdir -p "$dest/python-packages"
  added=0
  for pkg in $(ls "$site" | sort); do
    [ "$total" -ge "$want" ] && break
    [ -d "$site/$pkg" ] || continue
    case "$pkg" in *.dist-info | *.egg-info | __pycache__) continue ;; esac
    cp -r "$site/$pkg" "$dest/python-packages/"
    n=$(lines_in "$site/$pkg" py)
    total=$((total + n))
    added=$((added + n))
  done
  echo "python packages from $site: $added lines of Python"
fi
echo "$dest: $total lines in all"
