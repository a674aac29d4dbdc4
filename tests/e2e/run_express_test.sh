#!/usr/bin/env bash
# `hpcflow run --express` goes through the durable runtime like every run:
# its jobs run through the local backend's job wrapper and slot pool, and
# report to a callback endpoint of the run, opened with the first job. It
# keeps no history, no input and no output in the store.
#
#   run_express_test.sh HPCFLOW [SUBTEST...]   (default: all)
#
# jobs         .sync jobs of a Map, queued in the slot pool, give their
#              results; the store keeps the record (express, SUCCEEDED) and
#              nothing else; a workflow without jobs opens no socket
# callbacks    a .waitForTaskToken job's token is sent back with `hpcflow
#              callback`; a child workflow (startExecution.sync) runs
# interrupt    Ctrl-C stops the execution (ABORTED, exit 130) and its job
# killed       a run killed -9: a server on the directory aborts its
#              execution (hpcflow.RunLost) and kills its job instead of
#              starting it again for nobody
source "$(dirname "$0")/lib.sh" "$@"
shift
SUBTESTS=("$@")
[ ${#SUBTESTS[@]} -eq 0 ] && SUBTESTS=(jobs callbacks interrupt killed)
W=$E2E_WORKFLOWS
CORES=$(nproc)

# sockets_of PID: how many sockets the process has open.
sockets_of() {
  find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

jobs() {
  log "--- a Map of .sync jobs, each taking every core: they queue in the slot pool"
  local S M out id
  e2e_state_dir S
  M=$S/marks
  mkdir -p "$M"
  out=$("$HPCFLOW" run "$W/queued_map.yaml" --express --json --state-dir "$S" \
    --input "{\"items\": [1, 2, 3], \"marks\": \"$M\", \"cpus\": $CORES, \"seconds\": 0}" \
    2>"$S/run.err")
  expect_eq "run --express exits 0" 0 "$?"
  expect_eq "the jobs' results" '{"status":"SUCCEEDED","output":[{"code":0},{"code":0},{"code":0}]}' \
    "$out"
  expect_eq "each job ran once" "$(printf '1=1\n2=1\n3=1')" \
    "$(for f in "$M"/*.txt; do echo "$(basename "$f" .txt)=$(wc -l <"$f")"; done)"
  id=$("$HPCFLOW" list --json --state-dir "$S" | jq -r '.[0].executionId')
  check "the record says express and SUCCEEDED" eval \
    "\"$HPCFLOW\" status '$id' --json --state-dir '$S' | jq -e '.express == true and .status == \"SUCCEEDED\"' >/dev/null"
  check "the store keeps neither its input nor its output" eval \
    "\"$HPCFLOW\" status '$id' --json --state-dir '$S' | jq -e '(.output // null) == null and ((.input // \"\") == \"\")' >/dev/null"
  expect_eq "no history events" 0 \
    "$("$HPCFLOW" history "$id" --json --state-dir "$S" | jq 'length')"
  check "the job ran through the wrapper (its directory has the job's files)" \
    eval "ls -d '$S'/executions/*/* >/dev/null 2>&1"

  log "--- a workflow without jobs opens no callback endpoint"
  local pid sockets
  "$HPCFLOW" run "$W/wait4.yaml" --express --state-dir "$S" >"$S/wait.out" 2>&1 &
  pid=$!
  sleep 2
  sockets=$(sockets_of "$pid")
  wait "$pid"
  expect_eq "the Wait run succeeded" 0 "$?"
  expect_eq "it had no socket open" 0 "$sockets"
}

callbacks() {
  log "--- a .waitForTaskToken job's token, sent back with hpcflow callback"
  local S pid out rc
  e2e_state_dir S
  "$HPCFLOW" run "$W/token_and_url.yaml" --express --json --state-dir "$S" \
    --input "{\"token_file\": \"$S/token\"}" >"$S/run.out" 2>"$S/run.err" &
  pid=$!
  wait_until 30 "the job to write its token" test -s "$S/token" || die "no token"
  check "the run listens for callbacks now" test "$(sockets_of "$pid")" -gt 0
  HPCFLOW_CALLBACK_URL=$(cat "$S/token.url") "$HPCFLOW" callback success \
    --token "$(cat "$S/token")" --output '{"approved": true}' >"$S/cb.out" 2>&1
  expect_eq "the callback was accepted" 0 "$?"
  wait "$pid"
  rc=$?
  expect_eq "run --express exits 0" 0 "$rc"
  expect_eq "its output is the callback's" '{"status":"SUCCEEDED","output":{"approved":true}}' \
    "$(cat "$S/run.out")"

  log "--- a child workflow, startExecution.sync"
  out=$("$HPCFLOW" run "$W/parent_sync.yaml" --express --json --state-dir "$S" \
    --input '{"value": 7}' 2>"$S/child.err")
  expect_eq "the child's output, as a JSON string" \
    '{"status":"SUCCEEDED","output":{"status":"SUCCEEDED","output":"{\"echo\":{\"value\":7},\"child\":true}"}}' \
    "$out"
}

interrupt() {
  log "--- Ctrl-C on run --express stops the execution and cancels its job"
  local S pid rc id job t0
  e2e_state_dir S
  "$HPCFLOW" run "$W/long_job.yaml" --express --state-dir "$S" \
    --input "{\"pid_file\": \"$S/job.pid\", \"seconds\": 25}" >"$S/run.out" 2>"$S/run.err" &
  pid=$!
  wait_until 30 "the job" test -s "$S/job.pid" || die "the job did not start"
  job=$(cat "$S/job.pid")
  t0=$(now_ms)
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  expect_eq "run exits 130" 130 "$rc"
  check "it ended well before the job would have (25 s)" test $(( $(now_ms) - t0 )) -lt 15000
  check "the job is gone" eval "! pid_alive $job"
  id=$("$HPCFLOW" list --json --state-dir "$S" | jq -r '.[0].executionId')
  expect_eq "the execution ABORTED" ABORTED "$(status_field "$S" "$id" status)"
}

killed() {
  log "--- run --express killed -9: the server aborts its execution and kills its job"
  local S pid id job
  e2e_state_dir S
  "$HPCFLOW" run "$W/long_job.yaml" --express --state-dir "$S" \
    --input "{\"pid_file\": \"$S/job.pid\", \"seconds\": 300}" >"$S/run.out" 2>"$S/run.err" &
  pid=$!
  wait_until 30 "the job" test -s "$S/job.pid" || die "the job did not start"
  job=$(cat "$S/job.pid")
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  id=$("$HPCFLOW" list --json --state-dir "$S" | jq -r '.[0].executionId')
  expect_eq "the killed run left it RUNNING" RUNNING "$(status_field "$S" "$id" status)"
  start_server "$S"
  expect_eq "the server aborted it" ABORTED "$(wait_final "$S" "$id" 30)"
  expect_eq "with hpcflow.RunLost" hpcflow.RunLost "$(status_field "$S" "$id" error)"
  check "its job was killed, not left running" wait_until 20 "pid $job to end" \
    eval "! pid_alive $job"
  check "the server said so" grep -q "aborted express execution $id" "$S/server.log"
  stop_server "$S"
}

for t in "${SUBTESTS[@]}"; do "$t"; done
e2e_finish
