#!/usr/bin/env bash
# `hpcflow callback` against a stub callback endpoint: what reaches the
# server, exit codes (0 accepted, 1 refused, 2 usage, 6 unreachable), URL
# discovery (--url, $HPCFLOW_CALLBACK_URL, <state>/server.url re-read while
# retrying) and retries of 503.
source "$(dirname "$0")/lib.sh" "$@"
command -v python3 >/dev/null || { echo "this test needs python3" >&2; exit 77; }

e2e_state_dir STATE
STUB=$E2E_DIR/callback_stub_server.py

start_stub() {
  rm -f "$STATE/server.url"
  python3 "$STUB" "$STATE" "${1:-0}" >>"$STATE/stub.log" 2>&1 &
  STUB_PID=$!
  E2E_EXTRA_PIDS+=("$STUB_PID")
  wait_until 10 "the stub server" test -s "$STATE/server.url" || die "the stub did not start"
}
stop_stub() {
  kill "$STUB_PID" 2>/dev/null
  wait "$STUB_PID" 2>/dev/null
}
last_request() { tail -n1 "$STATE/requests.log"; }

# cb EXPECTED_EXIT DESCRIPTION ARGS...: runs hpcflow callback, checks its exit code.
cb() {
  local expected=$1 what=$2
  shift 2
  "$HPCFLOW" callback "$@" --state-dir "$STATE" 2>"$STATE/stderr" </dev/null
  local status=$?
  expect_eq "$what: exit code" "$expected" "$status"
  [ "$status" == "$expected" ] || cat "$STATE/stderr" >&2
}

start_stub

cb 0 "success with --output" success --token ok --output '{"reads":[1,2]}'
check "success body" jq_ok '.path == "/v1/tasks/success" and .body == {"token":"ok","output":{"reads":[1,2]}}' <<<"$(last_request)"

echo '[true, null]' >"$STATE/out.json"
cb 0 "success with @FILE" success --token ok --output "@$STATE/out.json"
check "output from a file" jq_ok '.body.output == [true,null]' <<<"$(last_request)"

echo '"from stdin"' | "$HPCFLOW" callback success --token ok --output - --state-dir "$STATE"
expect_eq "success with --output -: exit code" 0 $?
check "output from stdin" jq_ok '.body.output == "from stdin"' <<<"$(last_request)"
echo '{"piped":1}' | "$HPCFLOW" callback success --token ok --state-dir "$STATE"
check "output from piped stdin without --output" jq_ok '.body.output == {"piped":1}' <<<"$(last_request)"
"$HPCFLOW" callback success --token ok --state-dir "$STATE" </dev/null
check "empty stdin without --output reports {}" jq_ok '.body.output == {}' <<<"$(last_request)"

cb 0 "failure" failure --token ok --error My.Error --cause 'it broke'
check "failure body" jq_ok '.path == "/v1/tasks/failure" and .body == {"token":"ok","error":"My.Error","cause":"it broke"}' <<<"$(last_request)"
HPCFLOW_TASK_TOKEN=ok cb 0 "heartbeat with the token from the environment" heartbeat
check "heartbeat body" jq_ok '.path == "/v1/tasks/heartbeat" and .body == {"token":"ok"}' <<<"$(last_request)"

cb 1 "a late callback" success --token late --output 1
check "the server's message is shown" grep -q "already ended" "$STATE/stderr"
cb 1 "a forged token" heartbeat --token forged
check "the refusal is shown" grep -q "hpcflow.InvalidToken" "$STATE/stderr"
cb 0 "503 is retried" heartbeat --token flaky-1
expect_eq "three requests for the flaky token" 3 "$(grep -c flaky-1 "$STATE/requests.log")"

requests_before=$(wc -l <"$STATE/requests.log")
cb 2 "output that is not JSON" success --token ok --output '{oops'
check "says the output is not JSON" grep -q "not valid JSON" "$STATE/stderr"
cb 2 "no token" heartbeat
cb 2 "an unknown kind" finish --token ok
cb 2 "--error on success" success --token ok --output 1 --error X
cb 2 "an error name over 256 characters" failure --token ok --error "$(printf 'e%.0s' {1..257})"
expect_eq "nothing was sent for bad usage" "$requests_before" "$(wc -l <"$STATE/requests.log")"

url=$(cat "$STATE/server.url")
rm "$STATE/server.url"
cb 0 "--url" heartbeat --token ok --url "$url"
HPCFLOW_CALLBACK_URL=$url cb 0 "HPCFLOW_CALLBACK_URL" heartbeat --token ok

stop_stub
start=$(now_ms)
cb 6 "unreachable for --retry-for" heartbeat --token ok --url "$url" --retry-for 1
check "says what was tried" grep -q "gave up after .* to POST $url/v1/tasks/heartbeat" "$STATE/stderr"
HPCFLOW_CALLBACK_RETRY_SECONDS=1 cb 6 "HPCFLOW_CALLBACK_RETRY_SECONDS" heartbeat --token ok
check "names the URL file" grep -q "$STATE/server.url" "$STATE/stderr"
elapsed=$(( $(now_ms) - start ))
check "gave up after about 2 s in all (${elapsed} ms)" test "$elapsed" -lt 6000

# The server comes back (on another port) while the callback retries: the
# callback finds it through server.url.
rm -f "$STATE/server.url"
"$HPCFLOW" callback success --token ok --output '"late arrival"' --state-dir "$STATE" \
  --retry-for 30 2>"$STATE/stderr.bg" &
cb_pid=$!
sleep 1.5
start_stub
wait "$cb_pid"
expect_eq "a callback waiting for the server succeeds once it is back" 0 $?
check "its body arrived" jq_ok '.body.output == "late arrival"' <<<"$(last_request)"
stop_stub

exit $((E2E_FAILURES > 0))
