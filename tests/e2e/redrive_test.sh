#!/usr/bin/env bash
# `hpcflow redrive` (AWS's RedriveExecution), against the real server and
# local jobs:
#
#   redrive_test.sh HPCFLOW [SUBTEST...]   (default: all)
#
# map       a 200-item Map of jobs whose last 5 items fail until a marker
#           file exists: FAILED; redrive makes it SUCCEEDED with exactly those
#           5 jobs run again, once each; same id, history appended with
#           ExecutionRedriven, $$.Execution.RedriveCount 1, status shows it
# crash     the server is killed -9 while the redriven jobs run: it resumes
#           the redrive (the input that had ended the execution stays left
#           out) and nothing runs twice
# refusals  what cannot be redriven says why: a SUCCEEDED execution, a
#           RUNNING one, an express one, an unknown one
# child     a parent whose child failed: redriving the parent redrives the
#           child (same child id, RedriveCount 1), not a new one
source "$(dirname "$0")/lib.sh" "$@"
shift
SUBTESTS=("$@")
[ ${#SUBTESTS[@]} -eq 0 ] && SUBTESTS=(map crash refusals child)
W=$E2E_WORKFLOWS

# map_input DIR N FAILING...: the input of redrive_map.yaml. A failing item
# fails $FAIL_DELAY seconds after it started (default 0).
map_input() {
  local dir=$1 n=$2
  shift 2
  jq -cn --arg dir "$dir" --argjson n "$n" --arg failing " $* " \
    --argjson delay "${FAIL_DELAY:-0}" \
    '{items: [range(0; $n)], dir: $dir, failing: $failing, fail_delay: $delay}'
}

# runs DIR: how many times each item ran ("item count" lines, sorted).
runs() { sort -n "$1/runs.log" | uniq -c | awk '{print $2 " " $1}'; }

submit_map() {
  local dir=$1 n=$2
  shift 2
  "$HPCFLOW" submit "$W/redrive_map.yaml" --state-dir "$dir" \
    --input "$(map_input "$dir" "$n" "$@")" 2>>"$dir/cli.err"
}

map() {
  log "--- a 200-item Map whose last 5 items fail; redrive reruns just those"
  local S id
  e2e_state_dir S
  # The failing items fail 2 s after they started, so that item 194 (which
  # may run beside item 195 on the 2 local slots) has ended by then: a
  # failure that cancels a running item would rightly rerun it too.
  id=$(FAIL_DELAY=2 submit_map "$S" 200 195 196 197 198 199)
  expect_eq "it fails" FAILED "$(wait_final "$S" "$id" 120)"
  expect_eq "as a job failed" States.TaskFailed "$(status_field "$S" "$id" error)"
  expect_eq "status says it can be redriven" REDRIVABLE "$(status_field "$S" "$id" redriveStatus)"
  local first
  first=$(runs "$S")
  expect_eq "items 0-194 succeeded once each before" 195 \
    "$(awk '$1 < 195 && $2 == 1' <<<"$first" | wc -l)"
  touch "$S/allow"
  local out
  out=$("$HPCFLOW" redrive "$id" --json --state-dir "$S" 2>>"$S/cli.err")
  expect_eq "redrive exits 0" 0 "$?"
  expect_eq "it answers with the same execution, RUNNING, redrive 1" "$id RUNNING 1" \
    "$(jq -r '"\(.executionId) \(.status) \(.redriveCount)"' <<<"$out")"
  expect_eq "the redriven execution succeeds" SUCCEEDED "$(wait_final "$S" "$id" 120)"
  expect_eq "its output counts 200 results and 1 redrive" '{"count":200,"redrives":1}' \
    "$("$HPCFLOW" status "$id" --json --state-dir "$S" | jq -c .output)"
  # What ran after the redrive: the log's lines past those of the first run.
  local again
  local n_first
  n_first=$(awk '{s += $2} END {print s}' <<<"$first")
  again=$(tail -n +"$((n_first + 1))" "$S/runs.log" | sort -n | tr '\n' ' ')
  expect_eq "exactly items 195-199 ran again, once each" "195 196 197 198 199 " "$again"
  local history
  history=$("$HPCFLOW" history "$id" --json --state-dir "$S")
  expect_eq "the history goes on: ExecutionFailed, then ExecutionRedriven, then ExecutionSucceeded" \
    "ExecutionFailed ExecutionRedriven ExecutionSucceeded" \
    "$(jq -r '[.[] | select(.type | test("^Execution(Failed|Redriven|Succeeded)$")) | .type] | join(" ")' <<<"$history")"
  expect_eq "event ids stay unique and in order" true \
    "$(jq '[.[].id] as $ids | $ids == ($ids | sort | unique)' <<<"$history")"
  expect_eq "ExecutionRedriven says redriveCount 1" 1 \
    "$(jq '.[] | select(.type == "ExecutionRedriven") | .details.redriveCount' <<<"$history")"
  expect_eq "status shows the redrive count" 1 "$(status_field "$S" "$id" redriveCount)"
  check "and its date" test -n "$(status_field "$S" "$id" redriveDate)"
  "$HPCFLOW" redrive "$id" --state-dir "$S" 2>"$S/again.err"
  expect_eq "a SUCCEEDED execution is not redriven: exit 2" 2 "$?"
  check "it says why" grep -q "Execution is SUCCEEDED and cannot be redriven" "$S/again.err"
}

crash() {
  log "--- kill -9 of the server while the redriven jobs run"
  local S id
  e2e_state_dir S
  start_server "$S"
  id=$(submit_map "$S" 20 17 18 19)
  expect_eq "it fails" FAILED "$(wait_final "$S" "$id" 60)"
  local n_first
  n_first=$(wc -l <"$S/runs.log")
  # The rerun items take 2 s each: the kill lands while they run.
  touch "$S/allow" "$S/slow"
  "$HPCFLOW" redrive "$id" --state-dir "$S" >/dev/null 2>>"$S/cli.err"
  expect_eq "redrive exits 0" 0 "$?"
  wait_until 10 "a rerun job to start" eval "[ \$(wc -l <'$S/runs.log') -gt $n_first ]"
  kill9_server "$S"
  start_server "$S"
  expect_eq "after the restart the redriven execution succeeds" SUCCEEDED \
    "$(wait_final "$S" "$id" 60)"
  expect_eq "with the 20 results" '{"count":20,"redrives":1}' \
    "$("$HPCFLOW" status "$id" --json --state-dir "$S" | jq -c .output)"
  local again
  again=$(tail -n +"$((n_first + 1))" "$S/runs.log" | sort -n | uniq -c | awk '$1 > 1' | wc -l)
  expect_eq "no rerun item ran twice" 0 "$again"
  expect_eq "every item succeeded at last (items 17-19 ran after the redrive)" "17 18 19 " \
    "$(tail -n +"$((n_first + 1))" "$S/runs.log" | sort -n | uniq | tr '\n' ' ')"
  expect_eq "one ExecutionRedriven in the history" 1 \
    "$("$HPCFLOW" history "$id" --json --state-dir "$S" |
      jq '[.[] | select(.type == "ExecutionRedriven")] | length')"
  stop_server "$S"
}

refusals() {
  log "--- what cannot be redriven says why"
  local S id
  e2e_state_dir S
  "$HPCFLOW" redrive nowhere --state-dir "$S" 2>"$S/err"
  expect_eq "an unknown execution: exit 4" 4 "$?"
  id=$("$HPCFLOW" submit "$W/long_job.yaml" --state-dir "$S" 2>>"$S/cli.err" \
    --input "$(jq -cn --arg f "$S/pid" '{pid_file: $f, seconds: 120}')")
  wait_until 30 "it to run" eval "[ \"\$(status_field '$S' '$id' status)\" = RUNNING ]"
  "$HPCFLOW" redrive "$id" --state-dir "$S" 2>"$S/err"
  expect_eq "a RUNNING execution: exit 2" 2 "$?"
  check "it says so" grep -q "Execution is RUNNING and cannot be redriven" "$S/err"
  "$HPCFLOW" stop "$id" --state-dir "$S" >/dev/null 2>&1
  expect_eq "stopped: ABORTED" ABORTED "$(wait_final "$S" "$id" 30)"
  expect_eq "an ABORTED one is redrivable" REDRIVABLE "$(status_field "$S" "$id" redriveStatus)"
  local express
  express=$("$HPCFLOW" submit "$W/redrive_map.yaml" --express --state-dir "$S" \
    --input "$(map_input "$S" 1 0)" 2>>"$S/cli.err")
  wait_final "$S" "$express" 60 >/dev/null
  "$HPCFLOW" redrive "$express" --state-dir "$S" 2>"$S/err"
  expect_eq "an express execution: exit 2" 2 "$?"
  check "it says why" grep -q "Express executions keep no history" "$S/err"
  stop_server "$S"
}

child() {
  log "--- a parent whose child failed: the redrive redrives the child"
  local S id
  e2e_state_dir S
  local input
  input=$(jq -cn --arg dir "$S" '{child: {items: [0, 1, 2], dir: $dir, failing: " 2 ",
    fail_delay: 0}}')
  id=$("$HPCFLOW" submit "$W/redrive_parent.yaml" --state-dir "$S" --input "$input" \
    2>>"$S/cli.err")
  expect_eq "it fails" FAILED "$(wait_final "$S" "$id" 60)"
  local child_id
  child_id=$("$HPCFLOW" list --json --state-dir "$S" | jq -r '.[] | select(.parentExecutionId) | .executionId')
  expect_eq "its child FAILED" FAILED "$(status_field "$S" "$child_id" status)"
  "$HPCFLOW" redrive "$child_id" --state-dir "$S" 2>"$S/err"
  expect_eq "the child alone is not redriven: exit 2" 2 "$?"
  check "it names the parent to redrive" grep -q "redrive that execution" "$S/err"
  touch "$S/allow"
  "$HPCFLOW" redrive "$id" --state-dir "$S" >/dev/null 2>>"$S/cli.err"
  expect_eq "the redriven parent succeeds" SUCCEEDED "$(wait_final "$S" "$id" 60)"
  expect_eq "still one child" 1 \
    "$("$HPCFLOW" list --json --state-dir "$S" | jq '[.[] | select(.parentExecutionId)] | length')"
  expect_eq "the same child, SUCCEEDED, redriven once" "SUCCEEDED 1" \
    "$(status_field "$S" "$child_id" status) $(status_field "$S" "$child_id" redriveCount)"
  expect_eq "item 2 ran twice, items 0 and 1 once" "0 1|1 1|2 2" "$(runs "$S" | paste -sd'|')"
  stop_server "$S"
}

for t in "${SUBTESTS[@]}"; do "$t"; done
exit $((E2E_FAILURES > 0))
