#!/usr/bin/env bash
# Crash recovery (DESIGN.md §4.5, §7): kill -9 of the server at any point,
# then restart: the execution completes with the same output as an
# uninterrupted run, and no job runs twice.
#
# workflows/crash_recovery.yaml has Waits, local jobs, a child workflow
# (startExecution.sync:2), a Parallel with three branches and a Map over six
# items with MaxConcurrency 2. Every job appends
# one line to its own marker file, so the number of lines is the number of
# times the job ran.
#
# 1. Run it without interruption (submit --wait --json): the reference output
#    and history shape.
# 2. Run it again in a fresh state directory and kill -9 the server at eight
#    moments (during the first Wait; while a job runs, letting it end while
#    the server is down; while the child workflow's job runs; in the
#    Parallel; three times in the Map; in the last Wait), restarting it each
#    time with `hpcflow server --state-dir D &`.
#    Then: SUCCEEDED, same output, every job ran exactly once, and the history
#    is well formed and has the same events as the uninterrupted run.
source "$(dirname "$0")/lib.sh" "$@"

WORKFLOW=$E2E_WORKFLOWS/crash_recovery.yaml
EXPECTED_MARKERS="branch-a branch-b branch-c child item-1 item-2 item-3 item-4 item-5 item-6 setup"

# Names of the marker files in DIR with the number of lines of each.
marker_counts() {
  local f
  for f in "$1"/*.txt; do
    [ -e "$f" ] || continue
    printf '%s=%s\n' "$(basename "$f" .txt)" "$(wc -l <"$f" | tr -d ' ')"
  done
}

expected_counts() {
  local name
  for name in $EXPECTED_MARKERS; do printf '%s=1\n' "$name"; done
}

# The history's event types with their counts, as one JSON object.
history_shape() {
  jq -S -c 'group_by(.type) | map({key: .[0].type, value: length}) | from_entries'
}

# Checks that a history (JSON on stdin) is well formed.
history_well_formed() {
  jq -e '
    (length >= 2)
    and ([.[].id] == [range(1; length + 1)])
    and (.[0].type == "ExecutionStarted")
    and (.[-1].type == "ExecutionSucceeded")
    and ([.[].type | select(. == "ExecutionStarted")] | length == 1)
    and ([.[].timestamp] as $t | $t == ($t | sort))' >/dev/null
}

# --- 1. The uninterrupted run -------------------------------------------------
e2e_state_dir REF
mkdir -p "$REF/markers"
log "uninterrupted run in $REF"
t0=$(now_ms)
ref_json=$("$HPCFLOW" submit "$WORKFLOW" --state-dir "$REF" --wait --json \
  --input "{\"markers\": \"$REF/markers\"}" 2>"$REF/submit.err")
rc=$?
log "uninterrupted run took $(( $(now_ms) - t0 )) ms: $ref_json"
expect_eq "uninterrupted run exits 0" 0 "$rc"
expect_eq "uninterrupted run SUCCEEDED" SUCCEEDED "$(jq -r .status <<<"$ref_json")"
ref_output=$(jq -S -c .output <<<"$ref_json")
[ -n "$ref_output" ] && [ "$ref_output" != null ] || die "no reference output"
expect_eq "uninterrupted run: each job ran once" "$(expected_counts)" "$(marker_counts "$REF/markers")"
ref_id=$("$HPCFLOW" list --json --state-dir "$REF" |
  jq -r 'map(select(has("parentExecutionId") | not)) | .[0].executionId')
ref_history=$("$HPCFLOW" history "$ref_id" --json --state-dir "$REF")
check "uninterrupted history is well formed" history_well_formed <<<"$ref_history"
ref_shape=$(history_shape <<<"$ref_history")
log "reference history shape: $ref_shape"
kill9_server "$REF"

# --- 2. The interrupted run ---------------------------------------------------
e2e_state_dir RUN
M=$RUN/markers
mkdir -p "$M"
log "interrupted run in $RUN"
id=$("$HPCFLOW" submit "$WORKFLOW" --state-dir "$RUN" --input "{\"markers\": \"$M\"}" \
  2>"$RUN/submit.err")
[ -n "$id" ] || die "submit printed no id: $(cat "$RUN/submit.err")"
log "execution $id"

kills_while_running=0

is_running() { [ "$(status_field "$RUN" "$id" status)" == RUNNING ]; }
marker_exists() { [ -s "$M/$1.txt" ]; }
in_state() {
  "$HPCFLOW" history "$id" --json --state-dir "$RUN" 2>/dev/null |
    jq -e --arg s "$1" 'any(.[]; .stateName == $s and (.type | endswith("StateEntered")))' \
      >/dev/null
}

# crash WHAT PAUSE_S CONDITION...: once CONDITION holds, kill -9 the server,
# keep it down for PAUSE_S seconds, then restart it.
crash() {
  local what=$1 pause=$2
  shift 2
  wait_until 120 "$what" "$@" || die "never reached: $what"
  local status
  status=$(status_field "$RUN" "$id" status)
  kill9_server "$RUN" || die "no server to kill at: $what"
  if [ "$status" == RUNNING ]; then
    kills_while_running=$((kills_while_running + 1))
  fi
  log "killed the server ($what; execution $status); down for ${pause}s"
  sleep "$pause"
  start_server "$RUN"
  log "restarted the server: pid $SERVER_PID"
}

t0=$(now_ms)
crash "in the first Wait" 1.5 is_running
crash "while the Setup job runs (it ends while the server is down)" 1.5 marker_exists setup
crash "while the child workflow's job runs" 0.5 marker_exists child
crash "in the Parallel, jobs running" 0.5 marker_exists branch-a
crash "in the Map, first items running" 0.5 marker_exists item-1
crash "in the Map, third item started" 1.5 marker_exists item-3
crash "in the Map, last item started" 0.5 marker_exists item-6
crash "in the last Wait" 0.5 in_state LastWait

status=$(wait_final "$RUN" "$id" 180)
log "interrupted run took $(( $(now_ms) - t0 )) ms"
expect_eq "interrupted run SUCCEEDED" SUCCEEDED "$status"
check "at least 4 kills happened while the execution ran ($kills_while_running)" \
  test "$kills_while_running" -ge 4
run_output=$("$HPCFLOW" status "$id" --json --state-dir "$RUN" | jq -S -c .output)
expect_eq "same output as the uninterrupted run" "$ref_output" "$run_output"
expect_eq "every job ran exactly once" "$(expected_counts)" "$(marker_counts "$M")"
run_history=$("$HPCFLOW" history "$id" --json --state-dir "$RUN")
check "history is well formed (ids 1..N, ExecutionStarted first, ExecutionSucceeded last)" \
  history_well_formed <<<"$run_history"
expect_eq "history has the same events as the uninterrupted run" "$ref_shape" \
  "$(history_shape <<<"$run_history")"
expect_eq "two executions in the store (the parent and its child), both SUCCEEDED" \
  "SUCCEEDED SUCCEEDED" \
  "$("$HPCFLOW" list --json --state-dir "$RUN" | jq -r '[.[].status] | join(" ")')"
# Every job's wrapper recorded its end once, and none is still running.
# (A wrapper whose job ended while the server was down may still be between
# two retries of its report, which reconciliation made unnecessary: it ends
# at its next attempt.)
others_of_run() {
  e2e_pids_of_dir "$RUN" | while read -r p; do [ "$p" != "$(server_pid "$RUN")" ] && echo "$p"; done
}
if ! wait_until 20 "the run's job wrappers to finish" eval '[ -z "$(others_of_run)" ]'; then
  fail "no job of the run is still running"
  for p in $(others_of_run); do log "still running: $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"; done
fi

e2e_finish
