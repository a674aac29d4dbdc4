#!/usr/bin/env bash
# Crash safety and isolation: regression tests for the defects of the
# crash-safety issue, one subtest each.
#
#   crash_safety_test.sh HPCFLOW [SUBTEST...]   (default: all)
#
# queued_jobs        a Map whose items wait for slots, server killed -9 (and
#                    stopped with SIGTERM) while items are queued: after the
#                    restart SUCCEEDED, every job ran exactly once;
# queued_fake        the same on the fake backend, 2,000 items, killed
#                    half-way;
# permissions        the state directory and everything in it are owner-only
#                    whatever the umask; an open one of ours is tightened, a
#                    foreign or shared one refused;
# report_key         the task token alone cannot post a job's end (403);
# callback_ends_job  a .sync job whose task a callback ended is cancelled; so
#                    are the other items of a Map that failed;
# duplicates         a repeated job end is answered as a duplicate; an integer
#                    beyond 64 bits in a callback's output is refused (400);
# orphaned_run       an `hpcflow run` killed -9 leaves its execution to the
#                    server, which finishes it; `run` hands such executions
#                    over too;
# dead_wrapper       a job whose wrapper is killed: its processes (also one in
#                    a session of its own) are killed before it is lost, by
#                    the server watching it or the next one;
# interrupt_run      Ctrl-C on `run` stops the execution and its job; a
#                    second one leaves at once; `stop` then takes it over;
# deep_children      a chain of 30 child workflows, a job at each level;
# hostile_child      a child workflow path of /dev/zero, a FIFO or a huge
#                    file fails the task and the server stays up; an
#                    execution whose recovery keeps crashing is quarantined;
# bad_input          Environment names and values no backend can pass fail
#                    the task with a located message; `status a/b` finds an
#                    execution named a/b; `list` prints escapes harmlessly.
source "$(dirname "$0")/lib.sh" "$@"
shift
SUBTESTS=("$@")
[ ${#SUBTESTS[@]} -eq 0 ] && SUBTESTS=(queued_jobs queued_fake permissions report_key
  callback_ends_job duplicates orphaned_run dead_wrapper interrupt_run deep_children
  hostile_child bad_input)
W=$E2E_WORKFLOWS
CORES=$(nproc)

# start_server_with DIR ARGS...: like start_server, with extra flags.
start_server_with() {
  local dir=$1
  shift
  "$HPCFLOW" server --state-dir "$dir" "$@" >>"$dir/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  disown "$SERVER_PID"
  wait_until 30 "server $SERVER_PID to take the lock of $dir" \
    lock_names_pid "$dir" "$SERVER_PID" || die "the server did not start"
}

# counts DIR: "name=lines" for each marker file, sorted.
counts() {
  local f
  for f in "$1"/*.txt; do
    [ -e "$f" ] && printf '%s=%s\n' "$(basename "$f" .txt)" "$(wc -l <"$f" | tr -d ' ')"
  done | sort
}

each_once() {
  local n
  for n in "$@"; do printf '%s=1\n' "$n"; done | sort
}

mode_of() { stat -c %a "$1"; }

# --- queued_jobs ---------------------------------------------------------------
queued_jobs() {
  local signal
  for signal in KILL TERM; do
    log "--- queued local jobs, server stopped with SIG$signal while items wait for slots"
    local S M id
    e2e_state_dir S
    M=$S/marks
    mkdir -p "$M"
    start_server_with "$S"
    # Each job takes every core: one runs, three wait in the slot pool.
    id=$("$HPCFLOW" submit "$W/queued_map.yaml" --state-dir "$S" \
      --input "{\"items\": [1, 2, 3, 4], \"marks\": \"$M\", \"cpus\": $CORES, \"seconds\": 2}")
    wait_until 30 "the first job to start" eval "[ -n \"\$(ls $M 2>/dev/null)\" ]" ||
      die "no job started"
    sleep 0.5
    local pid
    pid=$(server_pid "$S")
    kill "-$signal" "$pid"
    wait_until 30 "the server to stop" eval "! pid_alive $pid" || die "the server survived"
    check "jobs were still queued when the server stopped" \
      test "$(ls "$M" | wc -l)" -lt 4
    start_server_with "$S"
    expect_eq "SIG$signal: the execution SUCCEEDED" SUCCEEDED "$(wait_final "$S" "$id" 90)"
    expect_eq "SIG$signal: every job ran exactly once" "$(each_once 1 2 3 4)" "$(counts "$M")"
  done
}

# --- queued_fake ---------------------------------------------------------------
queued_fake() {
  log "--- 2,000 scripted jobs on the fake backend, server killed half-way"
  local S id items
  e2e_state_dir S
  items=$(seq -s, 1 2000)
  start_server_with "$S"
  id=$("$HPCFLOW" submit "$W/fake_map.yaml" --backend fake --state-dir "$S" \
    --input "{\"items\": [$items]}")
  wait_until 60 "a few hundred jobs to end" eval \
    "[ \$(find $S/executions -name exit 2>/dev/null | wc -l) -ge 400 ]" || die "too slow"
  kill9_server "$S"
  local ended
  ended=$(find "$S/executions" -name exit | wc -l)
  log "killed after $ended of 2000 jobs ended"
  check "jobs were left queued" test "$ended" -lt 2000
  start_server_with "$S"
  expect_eq "the execution SUCCEEDED" SUCCEEDED "$(wait_final "$S" "$id" 120)"
  expect_eq "2000 job directories" 2000 "$(find "$S/executions" -name runs | wc -l)"
  expect_eq "no job ran twice" 0 \
    "$(find "$S/executions" -name runs -exec sh -c 'test "$(wc -l <"$1")" -ne 1 && echo x' _ {} \; | wc -l)"
}

# --- permissions ---------------------------------------------------------------
permissions() {
  log "--- a new state directory under umask 000 is owner-only, and so is all in it"
  local base S id bad
  e2e_state_dir base
  S=$base/new/state
  (umask 000 && "$HPCFLOW" server --state-dir "$S" >"$base/server.log" 2>&1 </dev/null &)
  wait_until 30 "the server" test -s "$S/server.url" || die "the server did not start"
  e2e_register_dir "$S"
  expect_eq "the state directory is 0700" 700 "$(mode_of "$S")"
  expect_eq "its parent, created too, is 0700" 700 "$(mode_of "$base/new")"
  mkdir -p "$base/marks"
  id=$(umask 000 && "$HPCFLOW" submit "$W/queued_map.yaml" --state-dir "$S" \
    --input "{\"items\": [1], \"marks\": \"$base/marks\", \"cpus\": 1, \"seconds\": 0}")
  expect_eq "the execution SUCCEEDED" SUCCEEDED "$(wait_final "$S" "$id" 60)"
  expect_eq "the job's own files keep the user's umask (000)" 666 "$(mode_of "$base/marks/1.txt")"
  bad=$(find "$S" \( -type d ! -perm 700 \) -o \( -type f -perm /077 \) | head -5)
  expect_eq "every directory 0700, no file open to group or others" "" "$bad"
  local spec
  spec=$(find "$S/executions" -name spec.json | head -1)
  check "a job spec exists" test -n "$spec"
  expect_eq "the job spec (it holds the task token) is 0600" 600 "$(mode_of "$spec")"
  stop_server "$S"

  log "--- an open state directory of ours is tightened, with a note"
  local O
  e2e_state_dir O
  chmod 755 "$O"
  "$HPCFLOW" submit "$W/quick.yaml" --state-dir "$O" --wait >/dev/null 2>"$O.err"
  expect_eq "it became 0700" 700 "$(mode_of "$O")"
  check "the note says so" grep -q "now owner-only" "$O.err"
  stop_server "$O"
  rm -f "$O.err"

  log "--- a shared directory that is not hpcflow's is refused"
  local shared rc
  e2e_state_dir shared
  chmod 1777 "$shared"
  touch "$shared/someone-elses-file"
  "$HPCFLOW" server --state-dir "$shared" >"$base/refused.out" 2>&1 </dev/null
  rc=$?
  expect_eq "the server exits 3" 3 "$rc"
  check "it says why" grep -q "open to group or others" "$base/refused.out"
  expect_eq "the directory was left alone" 1777 "$(mode_of "$shared")"
  "$HPCFLOW" list --state-dir "$shared" >"$base/refused.out" 2>&1
  expect_eq "list exits 3 too" 3 "$?"

  log "--- a state directory of another user is refused"
  local theirs
  e2e_state_dir theirs
  chown nobody "$theirs"
  "$HPCFLOW" list --state-dir "$theirs" >"$base/theirs.out" 2>&1
  expect_eq "list exits 3" 3 "$?"
  check "it names the owner" grep -q "belongs to nobody" "$base/theirs.out"
  chown root "$theirs"
}

# --- report_key ----------------------------------------------------------------
report_key() {
  log "--- whoever holds a task token cannot post the end of its job"
  local S id token url reply
  e2e_state_dir S
  start_server_with "$S"
  id=$("$HPCFLOW" submit "$W/token_wait.yaml" --state-dir "$S" \
    --input "{\"token_file\": \"$S/token\"}")
  wait_until 30 "the token" test -s "$S/token" || die "no token"
  token=$(cat "$S/token")
  url=$(cat "$S/server.url")
  local body
  body=$(jq -cn --arg t "$token" \
    '{token: $t, end: {kind: "exited", exit_code: 0, signal: 0, start_ms: 1, end_ms: 2}}')
  reply=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "$body" "$url/v1/jobs/end")
  expect_eq "a job end with the token alone gets 403" 403 "$reply"
  body=$(jq -cn --arg t "$token" \
    '{token: $t, key: "AAAA", end: {kind: "exited", exit_code: 0, signal: 0, start_ms: 1, end_ms: 2}}')
  reply=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "$body" "$url/v1/jobs/end")
  expect_eq "a job end with a made-up key gets 403" 403 "$reply"
  HPCFLOW_CALLBACK_URL=$url "$HPCFLOW" callback success --token "$token" --output '{"ok": 1}' \
    >/dev/null 2>&1
  expect_eq "the token still completes the task, as on AWS" SUCCEEDED "$(wait_final "$S" "$id" 30)"
}

# --- callback_ends_job ---------------------------------------------------------
callback_ends_job() {
  log "--- a .sync job whose task a callback failed is cancelled"
  local S id pid
  e2e_state_dir S
  start_server_with "$S"
  id=$("$HPCFLOW" submit "$W/sync_callback_failure.yaml" --state-dir "$S" \
    --input "{\"pid_file\": \"$S/job.pid\", \"hpcflow\": \"$HPCFLOW\"}")
  expect_eq "the task failed with the job's error, caught" SUCCEEDED "$(wait_final "$S" "$id" 30)"
  pid=$(cat "$S/job.pid")
  check "the job was stopped (within 10 s)" wait_until 10 "job $pid to end" eval "! pid_alive $pid"

  log "--- a failed Map cancels its other items' jobs"
  local P
  e2e_state_dir P
  mkdir -p "$P/pids"
  start_server_with "$P"
  id=$("$HPCFLOW" submit "$W/map_failure_cancels.yaml" --state-dir "$P" \
    --input "{\"items\": [0, 1, 2], \"pids\": \"$P/pids\"}")
  expect_eq "the Map failed" FAILED "$(wait_final "$P" "$id" 30)"
  for n in 1 2; do
    [ -s "$P/pids/$n" ] || continue
    pid=$(cat "$P/pids/$n")
    check "item $n's job was stopped" wait_until 10 "job $pid to end" eval "! pid_alive $pid"
  done
}

# --- duplicates ----------------------------------------------------------------
duplicates() {
  log "--- a repeated job end is a duplicate; an inexact integer is refused"
  local S id token url spec key body reply
  e2e_state_dir S
  start_server_with "$S"
  id=$("$HPCFLOW" submit "$W/token_wait.yaml" --state-dir "$S" \
    --input "{\"token_file\": \"$S/token\"}")
  wait_until 30 "the token" test -s "$S/token" || die "no token"
  token=$(cat "$S/token")
  url=$(cat "$S/server.url")
  spec=$(find "$S/executions" -name spec.json | head -1)
  wait_until 30 "the job's end to be recorded" eval "[ -s \"$(dirname "$spec")/exit\" ]" || true
  sleep 0.5
  key=$(jq -r .report_key "$spec")
  body=$(jq -cn --arg t "$token" --arg k "$key" \
    '{token: $t, key: $k, end: {kind: "exited", exit_code: 0, signal: 0, start_ms: 1, end_ms: 2}}')
  reply=$(curl -s -H 'Content-Type: application/json' -d "$body" "$url/v1/jobs/end")
  expect_eq "the wrapper's end, sent again, is a duplicate" duplicate "$(jq -r .status <<<"$reply")"
  reply=$(curl -s -o "$S/big.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"token\": \"$token\", \"output\": {\"n\": 123456789012345678901234567890}}" \
    "$url/v1/tasks/success")
  expect_eq "an integer beyond 64 bits gets 400" 400 "$reply"
  check "the answer says why" grep -q "does not fit in 64 bits" "$S/big.out"
  expect_eq "the task still waits" RUNNING "$(status_field "$S" "$id" status)"
  HPCFLOW_CALLBACK_URL=$url "$HPCFLOW" callback success --token "$token" \
    --output '{"n": "123456789012345678901234567890"}' >/dev/null 2>&1
  expect_eq "as a string it goes through" SUCCEEDED "$(wait_final "$S" "$id" 30)"
}

# --- orphaned_run --------------------------------------------------------------
# Runs queued_map.yaml with `hpcflow run` on state directory $1 (items $2, a
# JSON array; marks in $3), kills the run -9 once a job has started, and
# prints the execution's id. Fails when no job starts.
run_then_kill() {
  local state=$1 items=$2 marks=$3 run_pid
  mkdir -p "$marks"
  "$HPCFLOW" run "$W/queued_map.yaml" --state-dir "$state" \
    --input "{\"items\": $items, \"marks\": \"$marks\", \"cpus\": 1, \"seconds\": 2}" \
    >"$state/run.out" 2>&1 &
  run_pid=$!
  wait_until 30 "a job to start" eval "[ -n \"\$(ls $marks 2>/dev/null)\" ]" || return 1
  kill -KILL "$run_pid"
  wait "$run_pid" 2>/dev/null
  "$HPCFLOW" list --json --state-dir "$state" | jq -r '.[0].executionId'
}

orphaned_run() {
  log "--- hpcflow run killed -9: the server finishes its execution"
  local S M id
  e2e_state_dir S
  M=$S/marks
  id=$(run_then_kill "$S" "[1, 2, 3]" "$M") || die "no job started"
  expect_eq "the killed run left it RUNNING" RUNNING "$(status_field "$S" "$id" status)"
  start_server_with "$S"
  expect_eq "the server took it over and finished it" SUCCEEDED "$(wait_final "$S" "$id" 60)"
  expect_eq "every job ran exactly once" "$(each_once 1 2 3)" "$(counts "$M")"
  check "the server said so" grep -q "took over execution $id" "$S/server.log"
  stop_server "$S"

  log "--- a later run on the same state directory hands such executions to the server"
  local R
  e2e_state_dir R
  M=$R/marks
  id=$(run_then_kill "$R" "[1, 2]" "$M") || die "no job started"
  "$HPCFLOW" run "$W/quick.yaml" --state-dir "$R" >/dev/null 2>"$R/second.err"
  expect_eq "the second run succeeded" 0 "$?"
  check "it said it handed the execution over" grep -q "$id" "$R/second.err"
  expect_eq "the orphan SUCCEEDED" SUCCEEDED "$(wait_final "$R" "$id" 60)"
  expect_eq "its jobs ran exactly once" "$(each_once 1 2)" "$(counts "$M")"
}

# --- dead_wrapper ----------------------------------------------------------------
dead_wrapper() {
  log "--- a job wrapper killed while the server watches: the job's leftovers die with it"
  local S id wrapper escaped job
  e2e_state_dir S
  start_server_with "$S" --reconcile-seconds 1
  id=$("$HPCFLOW" submit "$W/long_job.yaml" --state-dir "$S" \
    --input "{\"pid_file\": \"$S/job.pid\", \"seconds\": 300}")
  wait_until 30 "the job" test -s "$S/job.pid" || die "the job did not start"
  wrapper=$(cat "$S/job.pid.wrapper")
  escaped=$(cat "$S/job.pid.escaped")
  job=$(cat "$S/job.pid")
  kill -KILL "$wrapper"
  check "the job's process died with its wrapper" wait_until 5 "pid $job to end" \
    eval "! pid_alive $job"
  check "so did the process it started in a session of its own" wait_until 10 \
    "pid $escaped to end" eval "! pid_alive $escaped"
  expect_eq "the execution FAILED" FAILED "$(wait_final "$S" "$id" 30)"
  expect_eq "with Job.Lost" Job.Lost "$(status_field "$S" "$id" error)"

  log "--- a job wrapper killed while no server runs: the next server kills the leftovers"
  local T
  e2e_state_dir T
  start_server_with "$T" --reconcile-seconds 600
  id=$("$HPCFLOW" submit "$W/long_job.yaml" --state-dir "$T" \
    --input "{\"pid_file\": \"$T/job.pid\", \"seconds\": 300}")
  wait_until 30 "the job" test -s "$T/job.pid" || die "the job did not start"
  wrapper=$(cat "$T/job.pid.wrapper")
  escaped=$(cat "$T/job.pid.escaped")
  kill9_server "$T"
  kill -KILL "$wrapper"
  wait_until 10 "the wrapper to die" eval "! pid_alive $wrapper"
  check "the leftover runs on while no server watches" pid_alive "$escaped"
  start_server_with "$T" --reconcile-seconds 600
  check "the restarted server killed it" wait_until 10 "pid $escaped to end" \
    eval "! pid_alive $escaped"
  "$HPCFLOW" stop "$id" --state-dir "$T" >/dev/null 2>&1
  check "the execution ended" is_final_status "$T" "$id"
}

# --- interrupt_run ---------------------------------------------------------------
interrupt_run() {
  log "--- Ctrl-C on run stops the execution and cancels its job"
  local S run_pid rc id t0 job
  e2e_state_dir S
  "$HPCFLOW" run "$W/long_job.yaml" --state-dir "$S" \
    --input "{\"pid_file\": \"$S/job.pid\", \"seconds\": 25}" >"$S/run.out" 2>"$S/run.err" &
  run_pid=$!
  wait_until 30 "the job" test -s "$S/job.pid" || die "the job did not start"
  job=$(cat "$S/job.pid")
  t0=$(now_ms)
  kill -INT "$run_pid"
  wait "$run_pid"
  rc=$?
  log "run ended $(( $(now_ms) - t0 )) ms after SIGINT"
  expect_eq "run exits 130" 130 "$rc"
  check "it ended well before the job would have (25 s)" test $(( $(now_ms) - t0 )) -lt 15000
  check "the job is gone" eval "! pid_alive $job"
  check "the job's session leftover is gone" eval "! pid_alive $(cat "$S/job.pid.escaped")"
  id=$("$HPCFLOW" list --json --state-dir "$S" | jq -r '.[0].executionId')
  expect_eq "the execution ABORTED" ABORTED "$(status_field "$S" "$id" status)"

  log "--- a second Ctrl-C leaves at once; stop then takes the execution over"
  local T
  e2e_state_dir T
  "$HPCFLOW" run "$W/long_job.yaml" --state-dir "$T" \
    --input "{\"pid_file\": \"$T/job.pid\", \"seconds\": 300}" >"$T/run.out" 2>"$T/run.err" &
  run_pid=$!
  wait_until 30 "the job" test -s "$T/job.pid" || die "the job did not start"
  job=$(cat "$T/job.pid")
  # Both signals before the job can end: it traps nothing, but its wrapper
  # gives it the grace period.
  kill -STOP "$run_pid"
  kill -INT "$run_pid"
  kill -INT "$run_pid"
  kill -CONT "$run_pid"
  wait "$run_pid"
  rc=$?
  expect_eq "run exits 130" 130 "$rc"
  id=$("$HPCFLOW" list --json --state-dir "$T" | jq -r '.[0].executionId')
  "$HPCFLOW" stop "$id" --state-dir "$T" >"$T/stop.out" 2>&1
  expect_eq "stop of the left execution exits 0" 0 "$?"
  expect_eq "the execution ABORTED" ABORTED "$(status_field "$T" "$id" status)"
  check "the job is gone" wait_until 15 "job $job to end" eval "! pid_alive $job"
}

# --- deep_children ---------------------------------------------------------------
deep_children() {
  log "--- a chain of 30 child workflows, a job at every level"
  local S out
  e2e_state_dir S
  mkdir -p "$S/marks"
  out=$(cd "$W" && timeout 240 "$HPCFLOW" submit deep_chain.yaml --state-dir "$S" --wait --json \
    --input "{\"depth\": 30, \"marks\": \"$S/marks\"}" 2>/dev/null)
  expect_eq "the chain SUCCEEDED" SUCCEEDED "$(jq -r .status <<<"$out")"
  expect_eq "31 executions, all SUCCEEDED" 31 \
    "$("$HPCFLOW" list --limit 100 --json --state-dir "$S" | jq '[.[] | select(.status == "SUCCEEDED")] | length')"
  expect_eq "every level's job ran once" "$(seq 0 30 | sort)" "$(sort "$S/marks/levels.txt")"
  expect_eq "31 job directories" 31 "$(find "$S/executions" -name spec.json | wc -l)"
}

# --- hostile_child ---------------------------------------------------------------
hostile_child() {
  log "--- a hostile child workflow path fails the task; the server stays up"
  local S id path fifo huge
  e2e_state_dir S
  start_server_with "$S"
  fifo=$S/fifo
  mkfifo "$fifo"
  huge=$S/huge.yaml
  head -c $((9 << 20)) /dev/zero | tr '\0' ' ' >"$huge"
  for path in /dev/zero "$fifo" "$huge" "$S"; do
    id=$("$HPCFLOW" submit "$W/hostile_child.yaml" --state-dir "$S" \
      --input "{\"machine\": \"$path\"}")
    expect_eq "StateMachine $path: caught" SUCCEEDED "$(wait_final "$S" "$id" 30)"
    log "cause: $("$HPCFLOW" status "$id" --json --state-dir "$S" | jq -r .output.error.Cause)"
  done
  check "the server is still the first one" test "$(server_pid "$S")" == "$SERVER_PID"
  id=$("$HPCFLOW" submit "$W/quick.yaml" --state-dir "$S")
  expect_eq "and serves other executions" SUCCEEDED "$(wait_final "$S" "$id" 30)"

  log "--- an execution whose recovery kills the server three times is quarantined"
  local Q
  e2e_state_dir Q
  start_server_with "$Q"
  id=$("$HPCFLOW" submit "$W/big_wait.yaml" --state-dir "$Q" 2>/dev/null)
  wait_until 10 "it to run" eval "[ \"\$(status_field $Q $id status)\" == RUNNING ]"
  kill9_server "$Q"
  # What a server leaves when it dies while resuming it, the third time.
  printf '%s 3' "$id" >"$Q/recovering"
  start_server_with "$Q"
  expect_eq "it is FAILED" FAILED "$(wait_final "$Q" "$id" 10)"
  expect_eq "with hpcflow.RecoveryFailed" hpcflow.RecoveryFailed "$(status_field "$Q" "$id" error)"
  id=$("$HPCFLOW" submit "$W/quick.yaml" --state-dir "$Q")
  expect_eq "the server runs others" SUCCEEDED "$(wait_final "$Q" "$id" 30)"
}

# --- bad_input -------------------------------------------------------------------
bad_input() {
  log "--- bad Environment names and values fail the task with a located message"
  local S id env cause
  e2e_state_dir S
  start_server_with "$S"
  for env in '{"": "x"}' '{"PATH=/evil": "x"}' '{"A\nB": "x"}' '{"A\u0000B": "x"}' \
    '{"OK": "a\u0000b"}' '{"1X": "x"}'; do
    id=$("$HPCFLOW" submit "$W/bad_environment.yaml" --state-dir "$S" --input "{\"env\": $env}")
    expect_eq "Environment $env: caught" SUCCEEDED "$(wait_final "$S" "$id" 30)"
    cause=$("$HPCFLOW" status "$id" --json --state-dir "$S" | jq -r .output.error.Cause)
    check "the cause names the Environment ($cause)" grep -q "^Environment: " <<<"$cause"
  done

  log "--- status of an execution named a/b, with the server running"
  id=$("$HPCFLOW" submit "$W/quick.yaml" --name a/b --state-dir "$S")
  wait_final "$S" "$id" 30 >/dev/null
  expect_eq "status a/b finds it" "$id" "$(status_field "$S" a/b executionId)"

  log "--- list prints terminal escapes in names harmlessly"
  id=$("$HPCFLOW" submit "$W/quick.yaml" --name "$(printf 'evil\033]0;owned\007')" --state-dir "$S")
  wait_final "$S" "$id" 30 >/dev/null
  check "no escape character reaches the terminal" eval \
    "! \"$HPCFLOW\" list --state-dir \"$S\" | grep -q \$'\\033'"
  check "it is shown escaped" eval "\"$HPCFLOW\" list --state-dir \"$S\" | grep -qF 'evil\\x1b]0;owned\\x07'"
}

for subtest in "${SUBTESTS[@]}"; do
  "$subtest"
done
e2e_finish
