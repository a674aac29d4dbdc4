#!/usr/bin/env bash
# Durable timers (DESIGN.md §4.5): timers are stored with their absolute due
# time, so a server killed while a timer runs fires it on time after a
# restart instead of starting it again from zero.
#
# 1. A Wait of 4 s; kill -9 of the server ~1 s in, down ~1 s, restart: the
#    execution SUCCEEDS and lasts 4 s to 8 s (startDate..stopDate), and less
#    than it would have if the restarted server had started the timer anew.
# 2. A Retry with IntervalSeconds 2 on a job that fails its first attempt;
#    kill -9 during the interval: the job runs exactly twice, the second
#    attempt starts 2 s after the failure (not 2 s after the restart).
# 3. TimeoutSeconds does not count the time a job waits for the machine's
#    slots: three 1.5 s jobs that each take every core, TimeoutSeconds 2,
#    all succeed (the third waited 3 s); a job that runs too long still
#    times out.
source "$(dirname "$0")/lib.sh" "$@"

# --- 1. Wait 4 s across a crash ----------------------------------------------
e2e_state_dir D
id=$("$HPCFLOW" submit "$E2E_WORKFLOWS/wait4.yaml" --state-dir "$D" 2>"$D/submit.err")
[ -n "$id" ] || die "submit printed no id: $(cat "$D/submit.err")"
wait_until 30 "the execution to start" \
  eval '[ -n "$(status_field "$D" "$id" startDate)" ]' || die "the execution never started"
start_ms=$(iso_ms "$(status_field "$D" "$id" startDate)")
wait_until 30 "1 s into the Wait" eval '[ $(now_ms) -ge $((start_ms + 1000)) ]'
expect_eq "still waiting when the server is killed" RUNNING "$(status_field "$D" "$id" status)"
kill9_server "$D"
log "killed the server $(( $(now_ms) - start_ms )) ms into the Wait"
sleep 1
start_server "$D"
restart_ms=$(now_ms)
log "restarted the server $((restart_ms - start_ms)) ms into the Wait"
status=$(wait_final "$D" "$id" 60)
expect_eq "the Wait execution SUCCEEDED" SUCCEEDED "$status"
expect_eq "its output" '{"waited":4}' "$(status_field "$D" "$id" output | jq -c .)"
stop_ms=$(iso_ms "$(status_field "$D" "$id" stopDate)")
duration=$((stop_ms - start_ms))
log "startDate..stopDate: $duration ms"
check "it lasted at least 4 s ($duration ms)" test "$duration" -ge 4000
check "it lasted less than 8 s ($duration ms)" test "$duration" -lt 8000
# Had the restarted server started the 4 s over, it would have ended 4 s
# after the restart at the earliest.
check "the timer was not restarted from zero ($duration ms < $((restart_ms - start_ms + 4000)) ms)" \
  test "$duration" -lt $((restart_ms - start_ms + 4000))
expect_eq "the Wait was exited once" 1 \
  "$("$HPCFLOW" history "$id" --json --state-dir "$D" | jq '[.[] | select(.type == "WaitStateExited")] | length')"

# --- 2. Retry interval across a crash ----------------------------------------
e2e_state_dir R
M=$R/markers
mkdir -p "$M"
id=$("$HPCFLOW" submit "$E2E_WORKFLOWS/retry_once.yaml" --state-dir "$R" \
  --input "{\"markers\": \"$M\"}" 2>"$R/submit.err")
[ -n "$id" ] || die "submit printed no id: $(cat "$R/submit.err")"
task_failed_recorded() {
  "$HPCFLOW" history "$id" --json --state-dir "$R" 2>/dev/null |
    jq -e 'any(.[]; .type == "TaskFailed")' >/dev/null
}
wait_until 60 "the first attempt to fail" task_failed_recorded || die "the first attempt never failed"
expect_eq "the job ran once before the crash" 1 "$(wc -l <"$M/attempts.txt" | tr -d ' ')"
kill9_server "$R"
log "killed the server during the retry interval"
sleep 1
start_server "$R"
restart_ms=$(now_ms)
status=$(wait_final "$R" "$id" 60)
expect_eq "the Retry execution SUCCEEDED" SUCCEEDED "$status"
expect_eq "its output" '{"ok":true}' "$(status_field "$R" "$id" output | jq -c .)"
expect_eq "the job ran exactly twice" 2 "$(wc -l <"$M/attempts.txt" | tr -d ' ')"
history=$("$HPCFLOW" history "$id" --json --state-dir "$R")
failed_ms=$(iso_ms "$(jq -r '[.[] | select(.type == "TaskFailed")][0].timestamp' <<<"$history")")
retried_ms=$(iso_ms "$(jq -r '[.[] | select(.type == "TaskScheduled")][1].timestamp' <<<"$history")")
gap=$((retried_ms - failed_ms))
log "TaskFailed -> second TaskScheduled: $gap ms (restart $((restart_ms - failed_ms)) ms after the failure)"
check "the retry waited its 2 s interval ($gap ms)" test "$gap" -ge 2000
check "the retry interval was not restarted from zero ($gap ms < $((restart_ms - failed_ms + 2000)) ms)" \
  test "$gap" -lt $((restart_ms - failed_ms + 2000))
expect_eq "two attempts scheduled in the history" 2 \
  "$(jq '[.[] | select(.type == "TaskScheduled")] | length' <<<"$history")"

# --- 3. Waiting for a slot is not part of a task's time ---------------------------
log "--- queued jobs and TimeoutSeconds"
e2e_state_dir Q
out=$("$HPCFLOW" run "$E2E_WORKFLOWS/queued_timeout.yaml" --json --state-dir "$Q" \
  --input "{\"items\": [1, 2, 3], \"cpus\": $(nproc), \"seconds\": 1.5}" 2>"$Q/run.err")
expect_eq "all three succeed, though the third waited longer than its timeout" \
  '{"status":"SUCCEEDED","output":[{"code":0},{"code":0},{"code":0}]}' "$out"
out=$("$HPCFLOW" run "$E2E_WORKFLOWS/queued_timeout.yaml" --json --state-dir "$Q" \
  --input "{\"items\": [1], \"cpus\": $(nproc), \"seconds\": 3}" 2>>"$Q/run.err")
expect_eq "a job that runs past its timeout still times out" "FAILED States.Timeout" \
  "$(jq -r '"\(.status) \(.error)"' <<<"$out")"

e2e_finish
