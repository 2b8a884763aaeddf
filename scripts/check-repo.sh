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

# A user's clone has no shared folder beside it: nothing may lean on that relative path.
# (The pattern is a regular expression so that this file does not hold the text itself.)
leaning=$(git grep -l -E '\.\./shared' -- . || true)
if [ -n "$leaning" ]; then
  echo "files that refer to the shared folder by a relative path (a clone stands on its own; take the path from an environment variable):" >&2
  echo "$leaning" | sed 's/^/  /' >&2
  fail=1
fi

# No file over 800 lines, no function over 120, outside tests and the written exceptions.
if ! python3 scripts/size-limits.py >/dev/null; then
  python3 scripts/size-limits.py >&2 || true
  fail=1
fi

[ "$fail" -eq 0 ] && echo "repository hygiene: ok"
exit "$fail"
