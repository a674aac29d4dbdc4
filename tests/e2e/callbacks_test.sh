#!/usr/bin/env bash
# Task-token callbacks end to end (DESIGN.md §4.4), against the real server
# over loopback HTTP: `hpcflow callback`, tokens, heartbeats, late and
# repeated callbacks, the owner-only control API, and bad HTTP input.
source "$(dirname "$0")/lib.sh" "$@"

e2e_state_dir STATE
start_server "$STATE"
wait_until 10 "server.url" test -s "$STATE/server.url" || die "no server.url"
URL=$(cat "$STATE/server.url")
log "server at $URL"

# --- Files the server keeps for its API -------------------------------------
expect_eq "control.key is owner-only" 600 "$(stat -c %a "$STATE/control.key")"
expect_eq "token.key is owner-only" 600 "$(stat -c %a "$STATE/token.key")"

# --- A task that waits for its token ----------------------------------------
submit_token_wait() {  # TOKEN_FILE -> execution id
  "$HPCFLOW" submit "$E2E_WORKFLOWS/token_wait.yaml" --state-dir "$STATE" \
    --input "{\"token_file\": \"$1\"}" 2>>"$STATE/cli.log"
}
T1=$STATE/token1
ID1=$(submit_token_wait "$T1")
wait_until 30 "the job to write its token" test -s "$T1" || die "no token written"
TOKEN1=$(cat "$T1")
expect_eq "still waiting for the token" RUNNING "$(status_field "$STATE" "$ID1" status)"
JOB_INPUT=$(find "$STATE/executions" -path "*tasks*" -name input.json | head -n1)
expect_eq "\$\$.Task.Token is the job's HPCFLOW_TASK_TOKEN" "$TOKEN1" "$(jq -r .Token "$JOB_INPUT")"

# A forged token (one character changed) is refused and changes nothing.
FORGED=${TOKEN1:0:10}$( [ "${TOKEN1:10:1}" == A ] && echo B || echo A )${TOKEN1:11}
"$HPCFLOW" callback success --token "$FORGED" --output '{"forged": true}' --state-dir "$STATE" \
  2>"$STATE/forged.err"
expect_eq "a forged token: exit 1" 1 "$?"
check "a forged token: the error says so" grep -qi token "$STATE/forged.err"
expect_eq "a forged token changes nothing" RUNNING "$(status_field "$STATE" "$ID1" status)"

"$HPCFLOW" callback success --token "$TOKEN1" --output '{"approved": true}' --state-dir "$STATE"
expect_eq "callback success: exit 0" 0 "$?"
expect_eq "the execution succeeded" SUCCEEDED "$(wait_final "$STATE" "$ID1" 30)"
expect_eq "its output is the callback's" true \
  "$("$HPCFLOW" status "$ID1" --json --state-dir "$STATE" | jq -r .output.approved)"

"$HPCFLOW" callback success --token "$TOKEN1" --output '{"approved": true}' --state-dir "$STATE" \
  2>"$STATE/repeat.err"
expect_eq "a repeated success is idempotent: exit 0" 0 "$?"
"$HPCFLOW" callback failure --token "$TOKEN1" --error Late --state-dir "$STATE" 2>"$STATE/late.err"
expect_eq "a late failure: exit 1" 1 "$?"
check "a late failure: the error says it changed nothing" grep -q "already ended" "$STATE/late.err"
SUCCEEDED_EVENTS=$("$HPCFLOW" history "$ID1" --json --state-dir "$STATE" |
  jq '[.[] | select(.type == "TaskSucceeded")] | length')
expect_eq "exactly one TaskSucceeded" 1 "$SUCCEEDED_EVENTS"

# Failure by callback, with the caller's error name.
T2=$STATE/token2
ID2=$(submit_token_wait "$T2")
wait_until 30 "the second token" test -s "$T2" || die "no second token"
"$HPCFLOW" callback failure --token "$(cat "$T2")" --error Review.Rejected --cause "not today" \
  --state-dir "$STATE"
expect_eq "callback failure: exit 0" 0 "$?"
expect_eq "the execution failed" FAILED "$(wait_final "$STATE" "$ID2" 30)"
expect_eq "with the caller's error" Review.Rejected "$(status_field "$STATE" "$ID2" error)"

# --- Heartbeats ---------------------------------------------------------------
ID3=$("$HPCFLOW" submit "$E2E_WORKFLOWS/heartbeat.yaml" --state-dir "$STATE" \
  --input "{\"pid_file\": \"$STATE/beat.pid\", \"hpcflow\": \"$HPCFLOW\", \"beats\": 8}")
expect_eq "heartbeats every 0.5 s keep a 2 s HeartbeatSeconds task alive" SUCCEEDED \
  "$(wait_final "$STATE" "$ID3" 60)"
ID4=$("$HPCFLOW" submit "$E2E_WORKFLOWS/heartbeat.yaml" --state-dir "$STATE" \
  --input "{\"pid_file\": \"$STATE/silent.pid\", \"hpcflow\": \"$HPCFLOW\", \"beats\": 0}")
expect_eq "no heartbeat: the task fails" FAILED "$(wait_final "$STATE" "$ID4" 60)"
expect_eq "with States.HeartbeatTimeout" States.HeartbeatTimeout "$(status_field "$STATE" "$ID4" error)"
SILENT_PID=$(cat "$STATE/silent.pid" 2>/dev/null)
check "the silent job was cancelled (its process is gone)" \
  wait_until 15 "job $SILENT_PID to be killed" eval "! pid_alive $SILENT_PID"

# --- A .sync job failing with its own error name -----------------------------
ID5=$("$HPCFLOW" submit "$E2E_WORKFLOWS/custom_error.yaml" --state-dir "$STATE" \
  --input "{\"hpcflow\": \"$HPCFLOW\"}")
expect_eq "a job's own error is caught by name" SUCCEEDED "$(wait_final "$STATE" "$ID5" 60)"
expect_eq "the caught error" Genome.BadInput \
  "$("$HPCFLOW" status "$ID5" --json --state-dir "$STATE" | jq -r .output.caught.Error)"

# --- Jobs inherit nothing of the server: no socket, no database -------------
# (Regression: a wrapper that inherited the listening socket kept the port
# after the server died, and its own report queued, unanswered, on it.)
ID7=$("$HPCFLOW" submit "$E2E_WORKFLOWS/list_fds.yaml" --state-dir "$STATE")
expect_eq "the descriptor listing job succeeds" SUCCEEDED "$(wait_final "$STATE" "$ID7" 30)"
FDS=$(cat "$("$HPCFLOW" status "$ID7" --json --state-dir "$STATE" | jq -r .output.Stdout)")
check "a job inherits no socket of the server" eval '! grep -q "socket:" <<<"$FDS"'
check "a job inherits no descriptor of the store" eval '! grep -q "hpcflow.db" <<<"$FDS"'

# --- The control API is for the owner only -----------------------------------
CODE=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/executions")
expect_eq "control API without the secret: 401" 401 "$CODE"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" "$URL/v1/executions")
expect_eq "control API with a wrong secret: 401" 401 "$CODE"
CODE=$(curl -s -o /dev/null -w '%{http_code}' \
  -H "Authorization: Bearer $(cat "$STATE/control.key")" "$URL/v1/executions/$ID1")
expect_eq "control API with the secret: 200" 200 "$CODE"

# --- Bad HTTP input: a 4xx or a closed connection, and the server serves on ---
post() {  # PATH BODY [CONTENT_TYPE] -> HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X POST -H "Content-Type: ${3:-application/json}" \
    --data-binary "$2" "$URL$1"
}
expect_eq "malformed JSON: 400" 400 "$(post /v1/tasks/success '{"token": ')"
expect_eq "no token: 400" 400 "$(post /v1/tasks/success '{"output": {}}')"
expect_eq "wrong content type: 415" 415 "$(post /v1/tasks/success '{"token":"x"}' text/plain)"
expect_eq "unknown route: 404" 404 "$(post /v1/nothing/here '{}')"
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$STATE/big.body"
expect_eq "oversized body: 413" 413 "$(post /v1/tasks/success @"$STATE/big.body")"
# A client that sends half a request and stalls; others are served meanwhile.
HOSTPORT=${URL#http://}
exec 7<>"/dev/tcp/${HOSTPORT%:*}/${HOSTPORT##*:}"
printf 'POST /v1/tasks/success HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"tok' >&7
CODE=$(curl -s -o /dev/null -w '%{http_code}' -m 5 \
  -H "Authorization: Bearer $(cat "$STATE/control.key")" "$URL/v1/executions")
expect_eq "served while another request stalls half-sent" 200 "$CODE"
exec 7>&-

# --- Callbacks while the server is down are recorded once it is back ---------
T6=$STATE/token6
ID6=$(submit_token_wait "$T6")
wait_until 30 "the sixth token" test -s "$T6" || die "no sixth token"
kill9_server "$STATE"
"$HPCFLOW" callback success --token "$(cat "$T6")" --output '{"while": "down"}' \
  --state-dir "$STATE" 2>"$STATE/down.err" &
CALLBACK_PID=$!
E2E_EXTRA_PIDS+=("$CALLBACK_PID")
sleep 2
check "the callback client keeps retrying while the server is down" pid_alive "$CALLBACK_PID"
start_server "$STATE"
wait "$CALLBACK_PID"
expect_eq "the retried callback is accepted once the server is back" 0 "$?"
expect_eq "and the execution ends with its output" '"down"' \
  "$(wait_final "$STATE" "$ID6" 30 >/dev/null; "$HPCFLOW" status "$ID6" --json --state-dir "$STATE" | jq .output.while)"

e2e_finish
