#!/usr/bin/env bash
# Helix 25.07 end to end: the real `hx`, driven in tmux (send-keys / capture-pane), with
# editors/helix/languages.toml as the user's configuration, on a git checkout of a real
# project (flask's source distribution from PyPI), against the real potpie-lsp binary.
# Every check reads what the screen shows.
#
#   HELIX_SRC_TARBALL=/path/to/helix-25.07.1.tar.xz tests/editors_helix.sh
#   tests/editors_helix.sh local          # one suite: local (embedded engine) or potpie (fake)
#
# Where hx comes from: HELIX_SRC_TARBALL (built once by tests/helix/build-hx.sh and cached by
# the tarball's sha256), else an `hx` 25.07 on PATH. With neither, the suites are SKIPPED (one
# line says so), unless POTPIE_REQUIRE_HELIX=1, which makes that a failure.
#
# Each suite:
#   1. `hx --health python` lists potpie with the binary's path;
#   2. `space a` on three selected lines lists the Potpie actions, and "Explain this code"
#      opens the answer file (window/showDocument) with the answer in it;
#   3. `space D` lists the citation hints with what each place is; choosing one jumps to the
#      cited file and line; after three lines typed above the cited code, to its new line;
#   4. `:lsp-workspace-command potpie.ask {"question": …}` opens the answer the same way, and
#      a follow-up with `"threadId": "last"` opens the thread's transcript with both answers;
#   5. `space a` on the keyword `from` offers no "Where is from used?", on a name it does.
# Suites: `local` (embedded engine) and `potpie` (examples/fake_potpie on 127.0.0.1, serving
# tests/helix/fake-answer.md). A failed run keeps its temp directory, prints the last screen
# and says where every captured screen is.
#
# Environment: KEEP_TMP=1 keeps the temp directory; HELIX_TEST_TIMEOUT (s, default 60) bounds
# each wait for the screen.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/fake-potpie.sh
source "$repo/tests/lib/fake-potpie.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/potpie-lsp"
flask_version=3.1.1
wait_s="${HELIX_TEST_TIMEOUT:-60}"
t0=$SECONDS

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(local potpie)
for s in "${suites[@]}"; do
  case "$s" in local | potpie) ;; *) echo "unknown suite $s (local potpie)" >&2; exit 2 ;; esac
done

skip() {
  echo "==== SKIPPED: Helix end-to-end tests: $* ===="
  if [ "${POTPIE_REQUIRE_HELIX:-0}" = 1 ]; then
    echo "POTPIE_REQUIRE_HELIX=1: Helix must run" >&2
    exit 1
  fi
  exit 0
}

# --- hx -------------------------------------------------------------------------------------
if [ -n "${HELIX_SRC_TARBALL:-}" ]; then
  hx_start=$SECONDS
  hxdir=$(bash "$repo/tests/helix/build-hx.sh")
  echo "hx: $hxdir/hx ($((SECONDS - hx_start)) s to build or find)"
  HX="$hxdir/hx"
  export HELIX_RUNTIME="$hxdir/runtime"
elif command -v hx >/dev/null && hx --version 2>/dev/null | grep -q '^helix 25\.07'; then
  HX=$(command -v hx)
else
  skip "no HELIX_SRC_TARBALL (a Helix 25.07 source tarball) and no hx 25.07 on PATH"
fi
"$HX" --version | grep -q '^helix 25\.07' || { echo "$HX is not Helix 25.07: $("$HX" --version)" >&2; exit 1; }

if ! command -v tmux >/dev/null; then
  echo "installing tmux (Debian)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux >/dev/null
fi

# --- potpie-lsp, the fake, the corpus -------------------------------------------------------
cargo=(cargo)
command -v cargo-slot >/dev/null && cargo=(cargo-slot)
(cd "$repo" && "${cargo[@]}" build --quiet --bin potpie-lsp --example fake_potpie)
bin="$CARGO_TARGET_DIR/debug/potpie-lsp"
fake="$CARGO_TARGET_DIR/debug/examples/fake_potpie"

sdist="$cache/corpus/flask-$flask_version.tar.gz"
if [ ! -f "$sdist" ]; then
  mkdir -p "$cache/corpus"
  echo "downloading flask $flask_version (source distribution, PyPI) into $cache/corpus" >&2
  python3 -m pip download --quiet --no-deps --no-binary :all: "flask==$flask_version" -d "$cache/corpus"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/potpie-helix.XXXXXX")
sock="potpie-helix-$$"
fake_pid=""
failed=0
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; fi
  if [ "${KEEP_TMP:-0}" = 1 ] || [ $failed = 1 ]; then
    echo "kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

# --- driving Helix --------------------------------------------------------------------------
shot=0
last_screen=""
screen() { # capture the pane into $last_screen and a numbered file
  last_screen=$(tmux -L "$sock" capture-pane -p -t hx 2>/dev/null || true)
  shot=$((shot + 1))
  printf '%s\n' "$last_screen" >"$screens/$(printf '%03d' $shot)-$1.txt"
}
fail() {
  failed=1
  echo "FAIL [$suite]: $*" >&2
  # the screens before the last, then the last: what led up to the failure, in the log
  local f
  for f in $(ls "$screens" 2>/dev/null | sort | tail -n 4 | head -n 3); do
    echo "--- earlier screen $f" >&2
    cat "$screens/$f" >&2
  done
  echo "--- the screen ($screens/$(printf '%03d' $shot)-*.txt; every capture is in $screens)" >&2
  printf '%s\n' "$last_screen" >&2
  if [ -f "$work/xdg/cache/helix/helix.log" ]; then
    echo "--- last lines of Helix's log" >&2
    tail -n 30 "$work/xdg/cache/helix/helix.log" >&2
  fi
  if [ "$suite" = potpie ]; then
    echo "--- fake_potpie" >&2
    tail -n 20 "$tmp/fake.err" >&2 || true
  fi
  exit 1
}
keys() { tmux -L "$sock" send-keys -t hx "$@"; sleep 0.2; }
text() { tmux -L "$sock" send-keys -t hx -l "$1"; sleep 0.2; }
# wait_for LABEL REGEX [SECONDS]: until the screen matches the extended regex
wait_for() {
  local label=$1 re=$2 limit=${3:-$wait_s} start=$SECONDS
  while true; do
    screen "$label"
    grep -Eq -- "$re" <<<"$last_screen" && return 0
    [ $((SECONDS - start)) -ge "$limit" ] && fail "$label: the screen never showed /$re/ (${limit} s)"
    sleep 0.3
  done
}
# refute LABEL REGEX: the screen (as last captured) does not match
refute() { ! grep -Eq -- "$2" <<<"$last_screen" || fail "$1: the screen shows /$2/"; }
# the status line: mode, file, …, line:col
status_line() { grep -E '^ (NOR|INS|SEL) ' <<<"$last_screen" | tail -n1; }
# `space a` until the server answers with its actions (it may still be starting)
code_actions() {
  local label=$1 start=$SECONDS
  while true; do
    keys Space a
    local t=$SECONDS
    while [ $((SECONDS - t)) -lt 3 ]; do
      screen "$label"
      grep -q 'Potpie: Explain this code' <<<"$last_screen" && return 0
      sleep 0.3
    done
    [ $((SECONDS - start)) -ge "$wait_s" ] && fail "$label: space a never listed the Potpie actions"
    keys Escape
  done
}

start_fake() {
  fake_key="sk-helix-test-$RANDOM$RANDOM"
  start_fake_potpie "$fake" "$fake_key" "$repo/tests/helix/fake-answer.md" 1 "$tmp"
}

summary=()
for suite in "${suites[@]}"; do
  suite_start=$SECONDS
  work="$tmp/$suite"
  screens="$work/screens"
  mkdir -p "$screens" "$work/bin" "$work/xdg/config/helix" "$work/xdg/cache" "$work/xdg/data" "$work/xdg/state"
  ln -s "$bin" "$work/bin/potpie-lsp"
  # The user's configuration: the documented snippet, nothing else.
  cp "$repo/editors/helix/languages.toml" "$work/xdg/config/helix/languages.toml"
  # A real project in a git checkout.
  tar xzf "$sdist" -C "$work"
  proj="$work/flask-$flask_version"
  git -C "$proj" init --quiet --initial-branch=main
  git -C "$proj" add -A
  git -C "$proj" -c user.name=test -c user.email=test@example.invalid commit --quiet -m flask
  git -C "$proj" remote add origin https://example.invalid/pallets/flask.git

  env_args=(PATH="$work/bin:$PATH" XDG_CONFIG_HOME="$work/xdg/config" XDG_CACHE_HOME="$work/xdg/cache"
    XDG_DATA_HOME="$work/xdg/data" XDG_STATE_HOME="$work/xdg/state"
    POTPIE_LSP_CACHE_DIR="$work/xdg/cache/potpie-lsp" POTPIE_LSP_LOG=info TERM=xterm-256color)
  [ -n "${HELIX_RUNTIME:-}" ] && env_args+=(HELIX_RUNTIME="$HELIX_RUNTIME")
  if [ "$suite" = potpie ]; then
    [ -n "$fake_pid" ] || start_fake
    env_args+=(POTPIE_API_KEY="$fake_key" POTPIE_BASE_URL="$fake_url")
    backend_line='_Potpie · codebase_qna_agent_'
    answer_words='Flask signs the session cookie'
    hint_words='save_session writes the signed cookie'
    hint_filter='writes the signed'
    hint_target='351:'
  else
    backend_line='_local engine · codebase_qna_agent_'
    answer_words='SecureCookieSessionInterface.get_signing_serializer'
    hint_words='method SecureCookieSe'
    hint_filter='get_signing'
    hint_target='317:'
  fi
  echo "=== $suite"

  # 1. hx --health lists potpie
  health=$(cd "$proj" && env -u POTPIE_API_KEY -u POTPIE_BASE_URL "${env_args[@]}" "$HX" --health python 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g')
  printf '%s\n' "$health" >"$screens/000-health.txt"
  last_screen=$health
  grep -Eq "✓ potpie: .*/potpie-lsp" <<<"$health" || fail "hx --health python does not list potpie"
  echo "ok  hx --health python lists potpie"

  # 1b. (once) the snippet keeps, for every language it touches, the servers this Helix ships
  if [ "$suite" = "${suites[0]}" ]; then
    servers() { # servers hx lists for a language, with config dir $1
      (cd "$proj" && env "${env_args[@]}" XDG_CONFIG_HOME="$1" "$HX" --health "$2" 2>&1) \
        | sed 's/\x1b\[[0-9;]*m//g' \
        | sed -n '/^Configured language servers:/,/^Configured debug adapter/p' \
        | sed -n 's/^ *[✓✘] \([^:]*\):.*/\1/p' | paste -sd' '
    }
    mkdir -p "$work/xdg/none"
    for lang in $(sed -n 's/^name = "\(.*\)"$/\1/p' "$repo/editors/helix/languages.toml"); do
      shipped=$(servers "$work/xdg/none" "$lang")
      with=$(servers "$work/xdg/config" "$lang")
      [ "$with" = "${shipped:+$shipped }potpie" ] \
        || { last_screen="$lang: Helix ships [$shipped], the snippet gives [$with]"; fail "the snippet must keep Helix's servers for $lang and add potpie last"; }
    done
    echo "ok  the snippet keeps Helix's own servers for $(grep -c '^name = ' "$repo/editors/helix/languages.toml") languages and adds potpie last"
  fi

  # Helix in a terminal of its own, on the method that signs the session cookie.
  tmux -L "$sock" -f /dev/null new-session -d -s hx -x 200 -y 50 -c "$proj" \
    env -u POTPIE_API_KEY -u POTPIE_BASE_URL "${env_args[@]}" "$HX" src/flask/sessions.py:317
  wait_for open 'src/flask/sessions.py +.* 317:1'

  # 2. code actions on a selection; Explain opens the answer file
  keys x
  keys x
  keys x
  code_actions actions
  for title in 'Potpie: Explain this code' 'Potpie: Write unit tests for this' 'Potpie: Debug this'; do
    grep -qF "$title" <<<"$last_screen" || fail "space a does not list \"$title\""
  done
  echo "ok  space a lists the Potpie actions"
  keys Enter # the first: Explain this code
  wait_for explain-answer 'answer-[0-9a-f-]+\.md'
  wait_for explain-answer "$backend_line"
  grep -q '# Explain this code from `src/flask/sessions.py` (lines 317-319)' <<<"$last_screen" \
    || fail "the answer file does not start with the question"
  grep -qF "$answer_words" <<<"$last_screen" || fail "the answer file does not show the answer ($answer_words)"
  echo "ok  Explain this code opens the answer file with the answer"

  # 3. the hints in the workspace diagnostics picker, and a jump
  keys Space D
  wait_for hints 'HINT +potpie'
  grep -qF "$hint_words" <<<"$last_screen" || fail "no hint says what its place is ($hint_words)"
  refute hints 'citation [0-9]+ for'
  text "$hint_filter"
  wait_for hints-filtered ' 1/[0-9]+ '
  keys Enter
  wait_for jump "src/flask/sessions.py +.* $hint_target"
  echo "ok  space D lists the hints; choosing one jumps to $(status_line | grep -Eo 'src/flask/sessions.py|[0-9]+:[0-9]+$' | paste -sd' ')"

  # 3b. living citations: three lines typed above the cited code move its hint (the server
  # re-anchors on didChange and republishes); undone afterwards, so later steps see the file
  # as it was.
  moved_target="$(( ${hint_target%:} + 3 )):"
  keys g g
  keys O
  keys Enter
  keys Enter
  keys Escape
  sleep 1 # the server waits for typing to pause before it re-anchors
  keys Space D
  wait_for hints-moved 'HINT +potpie'
  text "$hint_filter"
  wait_for hints-moved-filtered ' 1/[0-9]+ '
  keys Enter
  wait_for jump-moved "src/flask/sessions.py +.* $moved_target"
  keys u
  echo "ok  after three lines typed above it, the hint jumps to ${moved_target%:}, its code's new line"

  # 4. a question through :lsp-workspace-command
  text ':lsp-workspace-command potpie.ask {"question": "Where is the session cookie signed?"}'
  keys Enter
  wait_for ask-answer '# Where is the session cookie signed\?'
  wait_for ask-answer "$answer_words"
  grep -Eq 'answer-[0-9a-f-]+\.md' <<<"$(status_line)" || fail "the answer is not an answer file"
  echo "ok  :lsp-workspace-command potpie.ask opens the answer file"

  # 4b. a follow-up in that thread opens the thread's transcript, both answers in it (asked,
  # like every command, from a file of the project: Markdown has no potpie)
  keys C-o
  wait_for back 'src/flask/sessions.py'
  text ':lsp-workspace-command potpie.ask {"question": "And who calls it?", "threadId": "last"}'
  keys Enter
  wait_for follow-up 'thread `t[^`]+` · 2 answers'
  grep -Eq 't[0-9a-f-]+\.md' <<<"$(status_line)" || fail "the follow-up did not open the thread's transcript"
  keys /
  text '## And who calls it'
  keys Enter
  wait_for follow-up-found '## And who calls it\?'
  echo "ok  a follow-up with \"threadId\": \"last\" opens the transcript with both answers"

  # 5. "Where is … used?" on names only
  text ':open src/flask/sessions.py'
  keys Enter
  wait_for reopen 'src/flask/sessions.py'
  keys g g
  code_actions keyword
  refute keyword 'Where is from used'
  keys Escape
  keys /
  text 'SessionMixin'
  keys Enter
  code_actions identifier
  grep -qF 'Potpie: Where is SessionMixin used?' <<<"$last_screen" || fail "no \"Where is SessionMixin used?\" on a name"
  keys Escape
  echo "ok  \"Where is … used?\" on SessionMixin, not on the keyword from"

  text ':quit-all!'
  keys Enter
  for _ in $(seq 1 50); do tmux -L "$sock" has-session -t hx 2>/dev/null || break; sleep 0.1; done
  tmux -L "$sock" kill-server 2>/dev/null || true
  summary+=("$(printf '%-7s pass %4d s' "$suite" $((SECONDS - suite_start)))")
done

echo "=== summary (Helix $("$HX" --version | cut -d' ' -f2), $((SECONDS - t0)) s in all)"
printf '%s\n' "${summary[@]}"
