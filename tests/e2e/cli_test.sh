#!/usr/bin/env bash
# The execution commands as a user drives them (DESIGN.md §4.1, §4.2):
# submit / status / list / history / stop with --json, --express, --name,
# child workflows (startExecution .sync and .sync:2), recursive decomposition
# and an inline Map with EXPRESS iterations.
#
# The server is started from / while workflows are submitted by a path
# relative to the caller's directory: child workflows must still be found
# next to their parent's file.
source "$(dirname "$0")/lib.sh" "$@"

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
ISO_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'

e2e_state_dir D
pushd / >/dev/null
start_server "$D"
popd >/dev/null || die "popd"
cd "$E2E_WORKFLOWS" || die "no $E2E_WORKFLOWS"

hf() { "$HPCFLOW" "$@" --state-dir "$D"; }
# submit_wait ARGS...: submit --wait --json with a time limit; prints the JSON.
submit_wait() { timeout 120 "$HPCFLOW" submit "$@" --wait --json --state-dir "$D" 2>>"$D/cli.err"; }
matches() { [[ "$1" =~ $2 ]]; }
pid_gone() { ! pid_alive "$1"; }

# --- submit prints the id alone on stdout -------------------------------------
log "--- submit, status, list, history"
out=$(hf submit quick.yaml --input '{"hello": "world"}' 2>"$D/submit.err")
rc=$?
expect_eq "submit exits 0" 0 "$rc"
expect_eq "submit prints one line on stdout" 1 "$(printf '%s\n' "$out" | wc -l | tr -d ' ')"
check "that line is the execution id ($out)" matches "$out" "$UUID_RE"
id=$out
expect_eq "the execution succeeds" SUCCEEDED "$(wait_final "$D" "$id" 60)"

# --- status --json ---------------------------------------------------------------
status=$(hf status "$id" --json)
expect_eq "status --json: executionId" "$id" "$(jq -r .executionId <<<"$status")"
expect_eq "status --json: status" SUCCEEDED "$(jq -r .status <<<"$status")"
expect_eq "status --json: output" '{"echoed":{"hello":"world"}}' "$(jq -c .output <<<"$status")"
check "status --json: startDate is a timestamp" matches "$(jq -r .startDate <<<"$status")" "$ISO_RE"
check "status --json: stopDate is a timestamp" matches "$(jq -r .stopDate <<<"$status")" "$ISO_RE"
check "status --json: startDate <= stopDate" test \
  "$(iso_ms "$(jq -r .startDate <<<"$status")")" -le "$(iso_ms "$(jq -r .stopDate <<<"$status")")"
check "status (text) names the status" eval "hf status '$id' | grep -q SUCCEEDED"

# --- list --json -----------------------------------------------------------------
list=$(hf list --json)
check "list --json is an array holding the execution" \
  jq_ok --arg id "$id" 'type == "array" and any(.[]; .executionId == $id and .status == "SUCCEEDED")' \
  <<<"$list"
check "list --json rows have executionId, name, status, startDate, stopDate" \
  jq_ok 'all(.[]; has("executionId") and has("name") and has("status") and has("startDate") and has("stopDate"))' \
  <<<"$list"
check "list --status FAILED --json is empty" eval '[ "$(hf list --status FAILED --json | jq length)" == 0 ]'

# --- history --json --------------------------------------------------------------
history=$(hf history "$id" --json)
check "history --json: ids 1..N, ExecutionStarted first, ExecutionSucceeded last" jq_ok '
  length >= 2 and ([.[].id] == [range(1; length + 1)])
  and .[0].type == "ExecutionStarted" and .[-1].type == "ExecutionSucceeded"' <<<"$history"
check "history --json: the Pass state's events name it" \
  jq_ok 'any(.[]; .type == "PassStateEntered" and .stateName == "Echo")' <<<"$history"
check "history --json: every event has a timestamp" \
  jq_ok 'all(.[]; .timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))' <<<"$history"

# --- stop ------------------------------------------------------------------------
log "--- stop"
id=$(hf submit stop_target.yaml --input "{\"pidfile\": \"$D/stop_job.pid\"}" 2>>"$D/cli.err")
wait_until 60 "the job to start" test -s "$D/stop_job.pid" || die "the job never started"
job_pid=$(cat "$D/stop_job.pid")
check "the job ($job_pid) runs" pid_alive "$job_pid"
status=$(hf status "$id" --json)
expect_eq "a running execution's status" RUNNING "$(jq -r .status <<<"$status")"
expect_eq "a running execution has no stopDate" "false" "$(jq 'has("stopDate")' <<<"$status")"
t0=$(now_ms)
stop_out=$(timeout 60 "$HPCFLOW" stop "$id" --json --state-dir "$D" 2>>"$D/cli.err")
expect_eq "stop exits 0" 0 "$?"
expect_eq "stop --json prints the ABORTED status" ABORTED "$(jq -r .status <<<"$stop_out" 2>/dev/null)"
expect_eq "the execution is ABORTED" ABORTED "$(wait_final "$D" "$id" 30)"
took=$(( $(now_ms) - t0 ))
check "it was ABORTED quickly (${took} ms)" test "$took" -lt 10000
check "its running job was killed (pid $job_pid)" wait_until 15 "job $job_pid to die" pid_gone "$job_pid"
expect_eq "the history ends with ExecutionAborted" ExecutionAborted \
  "$(hf history "$id" --json | jq -r '.[-1].type')"
check "status --json of the stopped execution has a stopDate" \
  eval "hf status '$id' --json | jq -e '.stopDate and .error == \"States.Aborted\"' >/dev/null"
check "stop of an ended execution exits 0" eval "hf stop '$id' 2>/dev/null"

# --- --express -------------------------------------------------------------------
log "--- express"
out=$(submit_wait quick.yaml --express --input '{"fast": true}')
expect_eq "submit --express --wait --json" '{"status":"SUCCEEDED","output":{"echoed":{"fast":true}}}' \
  "$(jq -c . <<<"$out")"
id=$(hf list --json | jq -r 'map(select(.express)) | .[0].executionId')
check "status says it is express" eval "hf status '$id' --json | jq -e '.express == true and .status == \"SUCCEEDED\"' >/dev/null"
expect_eq "an express execution has no per-step history" 0 \
  "$(hf history "$id" --json | jq '[.[] | select(has("stateName"))] | length')"

# --- --name ----------------------------------------------------------------------
log "--- names"
first=$(hf submit quick.yaml --name e2e-unique-name --input '{"n": 1}' 2>>"$D/cli.err")
check "submit --name prints the id" matches "$first" "$UUID_RE"
second=$(hf submit quick.yaml --name e2e-unique-name --input '{"n": 2}' 2>"$D/dup.err")
rc=$?
check "a duplicate --name is refused (exit $rc)" test "$rc" -ne 0
check "the refusal says the name exists" grep -q -i "already exists" "$D/dup.err"
expect_eq "the refused submit prints no id" "" "$second"
expect_eq "one execution has the name" 1 \
  "$(hf list --json | jq '[.[] | select(.name == "e2e-unique-name")] | length')"
expect_eq "status by name finds the first one" "$first" \
  "$(hf status e2e-unique-name --json | jq -r .executionId)"
wait_final "$D" "$first" 60 >/dev/null

# --- child workflows ---------------------------------------------------------------
log "--- child workflows (submitted by a relative path; the server runs in /)"
out=$(submit_wait parent_sync2.yaml --input '{"value": 7}')
expect_eq ".sync:2 returns the child's output as JSON" \
  '{"status":"SUCCEEDED","output":{"status":"SUCCEEDED","output":{"echo":{"value":7},"child":true}}}' \
  "$(jq -c . <<<"$out")"
parent=$(hf list --json | jq -r 'map(select(.workflow | endswith("/parent_sync2.yaml"))) | .[0].executionId')
expect_eq "the child execution is listed with its parent" 1 \
  "$(hf list --json | jq --arg p "$parent" '[.[] | select(.parentExecutionId == $p and .status == "SUCCEEDED")] | length')"

out=$(submit_wait parent_sync.yaml --input '{"value": 8}')
expect_eq ".sync succeeds" SUCCEEDED "$(jq -r .status <<<"$out")"
expect_eq ".sync returns Output as a string" string "$(jq -r '.output.output | type' <<<"$out")"
expect_eq ".sync's Output string is the child's output" '{"echo":{"value":8},"child":true}' \
  "$(jq -c '.output.output | fromjson' <<<"$out" 2>/dev/null)"

out=$(submit_wait parent_catch.yaml --input '{"value": 9}')
expect_eq "a failing child fails the parent's task with States.TaskFailed (as AWS)" \
  States.TaskFailed "$(jq -r .output.caught.Error <<<"$out")"
expect_eq "its Cause is the child's description, with the child's error and cause" \
  'FAILED Child.Broke the child broke on purpose' \
  "$(jq -r '.output.caught.Cause | fromjson | "\(.Status) \(.Error) \(.Cause)"' <<<"$out")"

log "--- stopping a parent stops its child"
parent=$(hf submit parent_long_child.yaml --input "{\"pidfile\": \"$D/child_job.pid\"}" 2>>"$D/cli.err")
wait_until 60 "the child's job to start" test -s "$D/child_job.pid" || die "the child's job never started"
child_job=$(cat "$D/child_job.pid")
child=$(hf list --json | jq -r --arg p "$parent" 'map(select(.parentExecutionId == $p)) | .[0].executionId // empty')
check "the running child is listed with its parent" test -n "$child"
expect_eq "the child runs" RUNNING "$(status_field "$D" "$child" status)"
timeout 60 "$HPCFLOW" stop "$parent" --state-dir "$D" 2>>"$D/cli.err"
expect_eq "the parent is ABORTED" ABORTED "$(wait_final "$D" "$parent" 30)"
expect_eq "its child is ABORTED too" ABORTED "$(wait_final "$D" "$child" 30)"
check "the child's job was killed (pid $child_job)" wait_until 15 "job $child_job to die" pid_gone "$child_job"

# --- recursive decomposition -------------------------------------------------------
log "--- recursive decomposition, 3 levels"
e2e_state_dir R
mkdir -p "$R/markers"
out=$(timeout 180 "$HPCFLOW" submit recursive.yaml --state-dir "$R" --wait --json \
  --input "{\"depth\": 3, \"path\": \"r\", \"markers\": \"$R/markers\"}" 2>>"$R/cli.err")
expected_leaves='["r-0-0-0","r-0-0-1","r-0-1-0","r-0-1-1","r-1-0-0","r-1-0-1","r-1-1-0","r-1-1-1"]'
expect_eq "the recursive workflow returns its 8 leaves" \
  "{\"status\":\"SUCCEEDED\",\"output\":{\"leaves\":$expected_leaves}}" "$(jq -c . <<<"$out")"
rlist=$("$HPCFLOW" list --json --state-dir "$R")
expect_eq "15 executions" 15 "$(jq length <<<"$rlist")"
expect_eq "all of them SUCCEEDED" 15 "$(jq '[.[] | select(.status == "SUCCEEDED")] | length' <<<"$rlist")"
expect_eq "14 of them are children" 14 "$(jq '[.[] | select(.parentExecutionId)] | length' <<<"$rlist")"
expect_eq "each of the 8 leaf jobs ran once" "$(jq -r '.[]' <<<"$expected_leaves")" \
  "$(sort "$R/markers/leaves.txt")"

# --- Map with EXPRESS iterations -------------------------------------------------------
log "--- inline Map with ExecutionType EXPRESS"
out=$(submit_wait map_express.yaml --input '{"items": [1, 2, 3, 4, 5]}')
expect_eq "the express Map succeeds" \
  '{"status":"SUCCEEDED","output":{"doubled":[2,4,6,8,10],"squares":[1,4,9,16,25]}}' \
  "$(jq -c . <<<"$out")"
id=$(hf list --json | jq -r 'map(select(.workflow | endswith("/map_express.yaml"))) | .[0].executionId')
history=$(hf history "$id" --json)
expect_eq "its iterations' states are absent from the history" 0 \
  "$(jq '[.[] | select(.stateName == "Double" or .stateName == "Square" or (.type | startswith("Task")))] | length' <<<"$history")"
check "the history still has the Map and the execution's own states" jq_ok '
  any(.[]; .type == "MapStateEntered" and .stateName == "Fan")
  and any(.[]; .type == "PassStateEntered" and .stateName == "Total")
  and .[0].type == "ExecutionStarted" and .[-1].type == "ExecutionSucceeded"
  and ([.[].id] as $ids | $ids == ($ids | sort) and ($ids | unique | length) == ($ids | length))' \
  <<<"$history"

# --- a relative --state-dir -----------------------------------------------------
# Job directories live inside the state directory and are handed to job
# wrappers: a relative path must reach them made absolute (regression: every
# job failed with "job_dir must be an absolute path").
log "--- run and submit with a relative --state-dir"
e2e_state_dir R2
mkdir -p "$R2/cwd"
out=$(cd "$R2/cwd" && timeout 60 "$HPCFLOW" run "$E2E_WORKFLOWS/redrive_map.yaml" --json \
  --state-dir rel-state --input "$(jq -cn --arg d "$R2" \
  '{items: [1, 2], dir: $d, failing: " ", fail_delay: 0}')" 2>>"$R2/cli.err")
expect_eq "run's jobs succeed" '{"count":2,"redrives":0}' "$(jq -c .output <<<"$out")"
check "the store is where the relative path points" test -f "$R2/cwd/rel-state/hpcflow.db"

e2e_finish
