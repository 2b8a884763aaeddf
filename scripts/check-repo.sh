#!/usr/bin/env bash
# Repository hygiene, run first by .ci/run: no tracked file that .gitignore says is build
# output, and no tracked file over 1 MB unless it is listed in scripts/large-files.txt with
# the reason it has to be in git.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail=0
ignored=$(git ls-files -ci --exclude-standard)
if [ -n "$ignored" ]; then
  echo "tracked files that .gitignore excludes (build output does not belong in git; git rm -r --cached them):" >&2
  echo "$ignored" | head -20 | sed 's/^/  /' >&2
  fail=1
fi

allowed=scripts/large-files.txt
limit=$((1024 * 1024))
while IFS= read -r -d '' path; do
  [ -f "$path" ] || continue
  size=$(stat -c %s "$path")
  if [ "$size" -gt "$limit" ] && ! grep -q "^$path[[:space:]]" "$allowed" 2>/dev/null; then
    echo "$path is $size bytes: over 1 MB and not listed with a reason in $allowed" >&2
    fail=1
  fi
done < <(git ls-files -z)

[ "$fail" -eq 0 ] && echo "repository hygiene: ok"
exit "$fail"
