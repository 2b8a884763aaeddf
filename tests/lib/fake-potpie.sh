# Sourced by the editor test scripts: starts the fake Potpie server (the fake_potpie example)
# on a free loopback port and waits for the URL it prints.
#
#   start_fake_potpie BIN KEY ANSWER_FILE READY_AFTER_S OUT_DIR
#
# sets fake_pid and fake_url; prints the fake's output and exits when it does not start.
start_fake_potpie() {
  local bin=$1 key=$2 answer=$3 ready_after=$4 out=$5
  "$bin" --port 0 --key "$key" --answer-file "$answer" --ready-after "$ready_after" \
    >"$out/fake.out" 2>"$out/fake.err" &
  fake_pid=$!
  fake_url=""
  for _ in $(seq 1 300); do
    fake_url=$(sed -n 's/^listening \(http:[^ ]*\).*/\1/p' "$out/fake.out" | head -n1)
    [ -n "$fake_url" ] && return 0
    kill -0 "$fake_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "fake_potpie did not start:" >&2
  cat "$out/fake.out" "$out/fake.err" >&2
  exit 1
}
