#!/usr/bin/env bash
# Child workflows at AWS fidelity (states:startExecution), each subtest a
# regression test of one defect found porting the seed TestRunner:
#
#   nested_test.sh HPCFLOW [SUBTEST...]   (default: all)
#
# self_recursion  a workflow starts copies of itself through
#                 $$.StateMachine.Id (it failed: "cannot read the child
#                 workflow 'hpcflow:stateMachine:NAME'"); a path with a
#                 trailing blank ("$$.Execution.Name ") is accepted
# registered      `hpcflow register NAME FILE`; an unchanged AWS ARN
#                 (arn:aws:states:...:stateMachine:NAME) finds the registered
#                 name, else a file NAME.yaml beside the parent, else fails
#                 saying how to register it; a registered EXPRESS machine's
#                 children are express
# describe        the .sync result has DescribeExecution's fields (StartDate,
#                 StopDate, StateMachineArn, Input, InputDetails, ...)
# failed_child    a failed child fails the parent's task with
#                 States.TaskFailed and its description as the Cause
# names           a Name is unique among a state machine's executions: the
#                 same name and input while it runs is the same execution,
#                 anything else StepFunctions.ExecutionAlreadyExistsException;
#                 also across a server killed -9 while both tasks wait
# by_name         `run` and `submit` take a registered name or ARN instead of a
#                 file; an EXPRESS registration runs express; an unknown name
#                 says how to register it
source "$(dirname "$0")/lib.sh" "$@"
shift
SUBTESTS=("$@")
[ ${#SUBTESTS[@]} -eq 0 ] && SUBTESTS=(self_recursion registered describe failed_child names by_name)
W=$E2E_WORKFLOWS

# run_json DIR WORKFLOW INPUT [FLAGS...]: `hpcflow run --json` of a workflow.
run_json() {
  local dir=$1 workflow=$2 input=$3
  shift 3
  "$HPCFLOW" run "$workflow" --json --state-dir "$dir" --input "$input" "$@" 2>>"$dir/run.err"
}

self_recursion() {
  log "--- a workflow that starts copies of itself through \$\$.StateMachine.Id"
  local S out
  e2e_state_dir S
  out=$(run_json "$S" "$W/self_recursive.yaml" '{"depth": 2, "path": "r", "halves": [0, 1]}')
  expect_eq "it returns its 4 leaves" \
    '{"status":"SUCCEEDED","output":{"leaves":["r-0-0","r-0-1","r-1-0","r-1-1"]}}' "$out"
  local listed
  listed=$("$HPCFLOW" list --json --state-dir "$S")
  expect_eq "7 executions, all SUCCEEDED" 7 \
    "$(jq '[.[] | select(.status == "SUCCEEDED")] | length' <<<"$listed")"
  expect_eq "the children are named after their parent and path (Name.\$ with a blank)" \
    1 "$(jq --arg n "$(jq -r '.[] | select(.parentExecutionId | not) | .name' <<<"$listed")r-0" \
      '[.[] | select(.name == $n)] | length' <<<"$listed")"
}

registered() {
  log "--- registered names, hpcflow:stateMachine:NAME and AWS ARNs"
  local S out
  e2e_state_dir S
  out=$("$HPCFLOW" register Context "$W/child_context.yaml" --state-dir "$S")
  expect_eq "register exits 0" 0 "$?"
  check "it says how to name it" grep -q "arn:aws:states:REGION:ACCOUNT:stateMachine:Context" \
    <<<"$out"
  expect_eq "register --list shows it" "Context STANDARD $W/child_context.yaml" \
    "$("$HPCFLOW" register --list --json --state-dir "$S" |
      jq -r '.[] | "\(.name) \(.type) \(.workflow)"')"
  local arn
  for arn in "arn:aws:states:us-east-1:123456789012:stateMachine:Context" \
    "hpcflow:stateMachine:Context" "Context"; do
    out=$(run_json "$S" "$W/arn_parent.yaml" "{\"arn\": \"$arn\", \"value\": 1}")
    expect_eq "$arn: the registered child runs under its registered name" \
      '{"machine":"Context","machineId":"hpcflow:stateMachine:Context","input":{"value":1}}' \
      "$(jq -c '.output.Output | fromjson' <<<"$out")"
  done

  log "--- a registered EXPRESS state machine: its children are express (no history)"
  "$HPCFLOW" register Quick "$W/child_context.yaml" --type EXPRESS --state-dir "$S" >/dev/null
  out=$(run_json "$S" "$W/arn_parent.yaml" \
    '{"arn": "arn:aws:states:us-east-1:123456789012:stateMachine:Quick", "value": 5}')
  expect_eq "the express child's output" \
    '{"machine":"Quick","machineId":"hpcflow:stateMachine:Quick","input":{"value":5}}' \
    "$(jq -c '.output.Output | fromjson' <<<"$out")"
  local child
  child=$(jq -r .output.ExecutionArn <<<"$out")
  expect_eq "the child is express" true "$(status_field "$S" "$child" express)"
  expect_eq "and kept no history" 0 \
    "$("$HPCFLOW" history "$child" --json --state-dir "$S" | jq length)"

  log "--- an unregistered name: a file of that name beside the parent"
  out=$(run_json "$S" "$W/arn_parent.yaml" \
    '{"arn": "arn:aws:states:us-east-1:123456789012:stateMachine:child_echo", "value": 2}')
  expect_eq "child_echo.yaml ran" '{"echo":{"value":2},"child":true}' \
    "$(jq -c '.output.Output | fromjson' <<<"$out")"

  log "--- neither registered nor a file: the task fails saying how to register it"
  out=$(run_json "$S" "$W/arn_parent.yaml" \
    '{"arn": "arn:aws:states:us-east-1:123456789012:stateMachine:Nowhere", "value": 3}')
  expect_eq "the execution FAILED" FAILED "$(jq -r .status <<<"$out")"
  check "with States.TaskFailed" eval "[ \"$(jq -r .error <<<"$out")\" = States.TaskFailed ]"
  check "the cause says: hpcflow register Nowhere FILE" grep -q "hpcflow register Nowhere FILE" \
    <<<"$(jq -r .cause <<<"$out")"

  log "--- bad registrations are refused with the reason"
  "$HPCFLOW" register "bad name" "$W/child_context.yaml" --state-dir "$S" 2>"$S/reg.err"
  expect_eq "a bad name: exit 2" 2 "$?"
  check "says what a name may hold" grep -q "letters, digits" "$S/reg.err"
  "$HPCFLOW" register Broken "$W/invalid/missing_next.yaml" --state-dir "$S" 2>"$S/reg.err"
  expect_eq "an invalid workflow: exit 2" 2 "$?"
  check "with a located problem" grep -q "missing_next.yaml:" "$S/reg.err"
  "$HPCFLOW" register Context "$W/child_context.yaml" --type FAST --state-dir "$S" 2>"$S/reg.err"
  expect_eq "a bad --type: exit 2" 2 "$?"
}

by_name() {
  log "--- run and submit by registered name"
  local S out id
  e2e_state_dir S
  "$HPCFLOW" register Context "$W/child_context.yaml" --state-dir "$S" >/dev/null
  out=$(cd "$S" && run_json "$S" Context '{"v": 1}')
  expect_eq "run NAME runs the registered machine under its name" \
    '{"machine":"Context","machineId":"hpcflow:stateMachine:Context","input":{"v":1}}' \
    "$(jq -c .output <<<"$out")"
  id=$(cd "$S" && "$HPCFLOW" submit arn:aws:states:eu-west-1:123456789012:stateMachine:Context \
    --input '{"v": 2}' --state-dir "$S" 2>>"$S/run.err")
  expect_eq "submit ARN runs it too" SUCCEEDED "$(wait_final "$S" "$id" 30)"
  expect_eq "its output names the machine" Context \
    "$("$HPCFLOW" status "$id" --json --state-dir "$S" | jq -r .output.machine)"
  "$HPCFLOW" register Quick "$W/child_context.yaml" --type EXPRESS --state-dir "$S" >/dev/null
  id=$(cd "$S" && "$HPCFLOW" submit Quick --state-dir "$S" 2>>"$S/run.err")
  expect_eq "an EXPRESS registration runs express" "SUCCEEDED true" \
    "$(wait_final "$S" "$id" 30) $(status_field "$S" "$id" express)"
  (cd "$S" && "$HPCFLOW" run Nowhere --state-dir "$S" 2>"$S/nowhere.err" >/dev/null)
  expect_eq "an unknown name: exit 2" 2 "$?"
  check "it says how to register it" grep -q "no state machine is registered as 'Nowhere' (hpcflow register Nowhere FILE)" "$S/nowhere.err"
  stop_server "$S"
}

describe() {
  log "--- the .sync result has DescribeExecution's fields"
  local S out before after
  e2e_state_dir S
  before=$(now_ms)
  out=$(run_json "$S" "$W/arn_parent.yaml" '{"arn": "child_echo.yaml", "value": 4}')
  after=$(now_ms)
  local r
  r=$(jq -c .output <<<"$out")
  expect_eq "the fields, in AWS's form" \
    'ExecutionArn Input InputDetails Name Output OutputDetails RedriveCount RedriveStatus RedriveStatusReason StartDate StateMachineArn Status StopDate' \
    "$(jq -r 'keys | join(" ")' <<<"$r")"
  expect_eq "Input is the child's input as a JSON string" '{"value":4}' "$(jq -r .Input <<<"$r")"
  expect_eq "InputDetails and OutputDetails say included" "true true" \
    "$(jq -r '"\(.InputDetails.Included) \(.OutputDetails.Included)"' <<<"$r")"
  expect_eq "StateMachineArn names the file's machine" hpcflow:stateMachine:child_echo \
    "$(jq -r .StateMachineArn <<<"$r")"
  check "StartDate and StopDate are epoch milliseconds of the run" jq -e \
    --argjson b "$before" --argjson a "$after" \
    '.StartDate >= $b and .StopDate >= .StartDate and .StopDate <= $a' <<<"$r"
  expect_eq "RedriveCount is 0" 0 "$(jq -r .RedriveCount <<<"$r")"
  local child
  child=$("$HPCFLOW" list --json --state-dir "$S" | jq -r 'map(select(.parentExecutionId)) | .[0]')
  expect_eq "ExecutionArn and Name are the child's" \
    "$(jq -r '"\(.executionId) \(.name)"' <<<"$child")" \
    "$(jq -r '"\(.ExecutionArn) \(.Name)"' <<<"$r")"
}

failed_child() {
  log "--- a failed child: States.TaskFailed, the description as Cause"
  local S out
  e2e_state_dir S
  out=$(run_json "$S" "$W/parent_catch_cause.yaml" '{}')
  expect_eq "the parent caught it" SUCCEEDED "$(jq -r .status <<<"$out")"
  expect_eq "Error is States.TaskFailed" States.TaskFailed "$(jq -r .output.error <<<"$out")"
  expect_eq "States.StringToJson(Cause) has the child's status, error and cause" \
    'FAILED Child.Broke the child broke on purpose hpcflow:stateMachine:child_fail' \
    "$(jq -r '.output.child | "\(.Status) \(.Error) \(.Cause) \(.StateMachineArn)"' <<<"$out")"
}

names() {
  log "--- execution names, AWS's rule"
  local S out expected
  e2e_state_dir S
  out=$(run_json "$S" "$W/named_children.yaml" '{"seconds": 1}')
  expect_eq "the parent SUCCEEDED" SUCCEEDED "$(jq -r .status <<<"$out")"
  expected=$(jq -c '.output.together[0]' <<<"$out")
  expect_eq "A and B got the same execution and output" "$expected" \
    "$(jq -c '.output.together[1]' <<<"$out")"
  expect_eq "its output" '{"echo":{"seconds":1}}' "$(jq -c '.output.together[0].output' <<<"$out")"
  expect_eq "C (another input) was refused" '"refused"' "$(jq -c '.output.together[2]' <<<"$out")"
  expect_eq "D (after it ended) was refused" StepFunctions.ExecutionAlreadyExistsException \
    "$(jq -r '.output.again.Error' <<<"$out")"
  expect_eq "one execution named shared" 1 \
    "$("$HPCFLOW" list --json --state-dir "$S" | jq '[.[] | select(.name == "shared")] | length')"

  log "--- the same, with the server killed -9 while A and B wait"
  local T id
  e2e_state_dir T
  start_server "$T"
  id=$("$HPCFLOW" submit "$W/named_children.yaml" --state-dir "$T" --input '{"seconds": 4}')
  wait_until 30 "the shared child to run" eval \
    "\"$HPCFLOW\" list --json --state-dir '$T' | jq -e 'any(.[]; .name == \"shared\")' >/dev/null"
  kill9_server "$T"
  start_server "$T"
  expect_eq "the parent SUCCEEDED after the restart" SUCCEEDED "$(wait_final "$T" "$id" 60)"
  out=$("$HPCFLOW" status "$id" --json --state-dir "$T" | jq -c .output)
  expect_eq "A and B got the same execution after the restart" \
    "$(jq -c '.together[0]' <<<"$out")" "$(jq -c '.together[1]' <<<"$out")"
  expect_eq "its output" '{"echo":{"seconds":4}}' "$(jq -c '.together[0].output' <<<"$out")"
  expect_eq "still one execution named shared" 1 \
    "$("$HPCFLOW" list --json --state-dir "$T" | jq '[.[] | select(.name == "shared")] | length')"
  stop_server "$T"
}

for t in "${SUBTESTS[@]}"; do "$t"; done
e2e_finish
