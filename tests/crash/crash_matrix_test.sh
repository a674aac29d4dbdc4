#!/usr/bin/env bash
# The crash-point matrix: one workflow (Waits, a Parallel, a child workflow, a
# Map with more items than slots, a Retry, a .waitForTaskToken task), one
# crash point of common/crash_point.h, one backend. The process that passes
# the point for the Nth time (the server, or a job wrapper) kills itself with
# SIGKILL; a dead server is restarted. Then, as after an uninterrupted run:
# the same output, every attempt of every job ran exactly once, no job is left
# running, and the history is well formed with the same events.
#
#   crash_matrix_test.sh HPCFLOW BACKEND POINT[:N]
#   crash_matrix_test.sh HPCFLOW BACKEND reference   the uninterrupted run;
#                                                    UPDATE=1 writes the
#                                                    expected/BACKEND.json
#
# BACKEND: local, fake or slurm (slurm needs SLURM_CONF: the test cluster).
source "$(dirname "$0")/../e2e/lib.sh" "$@"
BACKEND=${2:?backend}
CASE=${3:?crash point or reference}
HERE=$(cd "$(dirname "$0")" && pwd)
EXPECTED=$HERE/expected/$BACKEND.json
if [ "$BACKEND" == slurm ]; then
  source "$HERE/../slurm/lib.sh"
  require_slurm_cluster
fi
if [ "$BACKEND" == fake ]; then
  WORKFLOW=$HERE/workflows/matrix_fake.yaml
else
  WORKFLOW=$HERE/workflows/matrix.yaml
fi

e2e_state_dir S
M=$S/marks
mkdir -p "$M"
COUNTER=$S/crash-counter
CRASH_ENV=()
if [ "$CASE" != reference ]; then
  CRASH_ENV=(HPCFLOW_CRASH_AT="$CASE" HPCFLOW_CRASH_COUNTER="$COUNTER")
fi

SERVER_STARTS=0
start_matrix_server() {
  env "${CRASH_ENV[@]}" "$HPCFLOW" server --state-dir "$S" --reconcile-seconds 1 \
    >>"$S/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  disown "$SERVER_PID"
  SERVER_STARTS=$((SERVER_STARTS + 1))
  wait_until 30 "the server to take the lock" lock_names_pid "$S" "$SERVER_PID" ||
    die "the server did not start"
}

start_matrix_server
ID=$("$HPCFLOW" submit "$WORKFLOW" --backend "$BACKEND" --state-dir "$S" \
  --input "{\"marks\": \"$M\", \"hpcflow\": \"$HPCFLOW\"}" 2>>"$S/submit.err")
[ -n "$ID" ] || die "submit printed no id: $(cat "$S/submit.err")"
log "execution $ID ($BACKEND, $CASE)"

# The fake's token task has no job of its own to call back: the test does,
# with the token from the job's spec (as a program given the token would).
CALLED_BACK=0
call_back_for_fake() {
  [ "$BACKEND" == fake ] && [ "$CALLED_BACK" == 0 ] || return 0
  local spec token
  spec=$(find "$S/executions" -path '*-Approval/spec.json' 2>/dev/null | head -1)
  [ -n "$spec" ] || return 0
  token=$(jq -r '.environment.HPCFLOW_TASK_TOKEN' "$spec")
  "$HPCFLOW" callback success --token "$token" --output '{"approved": true}' --state-dir "$S" \
    --retry-for 120 >>"$S/callback.log" 2>&1 </dev/null &
  E2E_EXTRA_PIDS+=($!)
  CALLED_BACK=1
}

deadline=$(( $(now_ms) + 240000 ))
while ! is_final_status "$S" "$ID"; do
  [ "$(now_ms)" -lt "$deadline" ] || die "the execution did not end in 240 s"
  call_back_for_fake
  if ! pid_alive "$SERVER_PID"; then
    log "the server died ($(grep -h 'crash point' "$S/server.log" | tail -1)); restarting it"
    start_matrix_server
  fi
  sleep 0.2
done
STATUS=$(status_field "$S" "$ID" status)
expect_eq "the execution SUCCEEDED" SUCCEEDED "$STATUS"

if [ "$CASE" != reference ]; then
  point=${CASE%%:*}
  pass=1
  [ "$CASE" != "$point" ] && pass=${CASE#*:}
  passes=$(cat "$COUNTER" 2>/dev/null || echo 0)
  check "the crash point was reached ($passes passes, crash at pass $pass)" \
    test "${passes:-0}" -ge "$pass"
  # Where each process says why it died: the server's log, local wrappers'
  # logs, and Slurm's log of each batch job (arrays log in their first job's
  # directory).
  crashes=$(find "$S" \( -name server.log -o -name wrapper.log -o -name 'slurm*.err' \) \
    -exec cat {} + 2>/dev/null | grep -c "crash point $point")
  expect_eq "exactly one process crashed there" 1 "$crashes"
fi

# What the run did, in a form that does not depend on timing.
OUTPUT=$("$HPCFLOW" status "$ID" --json --state-dir "$S" | jq -S -c .output)
if [ "$BACKEND" == fake ]; then
  # The fake records each start of a job in its directory's `runs`.
  MARKS=$(find "$S/executions" -name runs | while read -r f; do
    printf '%s\n' "$(wc -l <"$f" | tr -d ' ')"
  done | sort | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ')
else
  MARKS=$(cat "$M"/*.txt | sort | uniq -c | awk '{print $2 "@" $3 "=" $1}' | paste -sd' ')
fi
HISTORY=$("$HPCFLOW" history "$ID" --json --state-dir "$S")
SHAPE=$(jq -S -c 'group_by(.type) | map({key: .[0].type, value: length}) | from_entries' \
  <<<"$HISTORY")
check "the history is well formed (ids 1..N, one start, ends with success, times in order)" \
  jq -e '
    (.[0].type == "ExecutionStarted")
    and ([.[].id] == [range(1; length + 1)])
    and (.[-1].type == "ExecutionSucceeded")
    and ([.[].type | select(. == "ExecutionStarted")] | length == 1)
    and ([.[].timestamp] as $t | $t == ($t | sort))' <<<"$HISTORY" >/dev/null

if [ "$CASE" == reference ] && [ "${UPDATE:-0}" == 1 ]; then
  jq -n --argjson output "$OUTPUT" --arg marks "$MARKS" --argjson shape "$SHAPE" \
    '{output: $output, marks: $marks, shape: $shape}' >"$EXPECTED"
  log "wrote $EXPECTED"
fi
[ -f "$EXPECTED" ] || die "no $EXPECTED: run the reference case with UPDATE=1"
expect_eq "the same output as an uninterrupted run" "$(jq -S -c .output "$EXPECTED")" "$OUTPUT"
expect_eq "every attempt of every job ran exactly once" "$(jq -r .marks "$EXPECTED")" "$MARKS"
expect_eq "the same history events as an uninterrupted run" "$(jq -S -c .shape "$EXPECTED")" \
  "$SHAPE"

# No job left running: nothing but the server belongs to the state directory.
others() {
  e2e_pids_of_dir "$S" | while read -r p; do
    [ "$p" != "$SERVER_PID" ] && echo "$p"
  done
}
if ! wait_until 20 "the jobs' processes to end" eval '[ -z "$(others)" ]'; then
  fail "no job is left running"
  for p in $(others); do log "still running: $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"; done
fi
if [ "$BACKEND" == slurm ]; then
  log "server starts: $SERVER_STARTS; Slurm commands: $("$HPCFLOW" status "$ID" --json --state-dir "$S" | jq -c '.backendCommands')"
fi
e2e_finish
