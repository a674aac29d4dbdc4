#!/usr/bin/env bash
# Reconciliation: a job that dies without reporting (its wrapper killed with
# SIGKILL, as a node failure or an OOM killer would) is found by the server's
# periodic question to the backend, and its task fails with Job.Lost, once
# what is left of the job is dead: its main process and a process it started
# in a session of its own (a retry must never overlap the first attempt).
source "$(dirname "$0")/lib.sh" "$@"

e2e_state_dir STATE
"$HPCFLOW" server --state-dir "$STATE" --reconcile-seconds 1 >>"$STATE/server.log" 2>&1 </dev/null &
SERVER_PID=$!
disown "$SERVER_PID"
wait_until 30 "the server" lock_names_pid "$STATE" "$SERVER_PID" || die "the server did not start"

ID=$("$HPCFLOW" submit "$E2E_WORKFLOWS/lost_job.yaml" --state-dir "$STATE" \
  --input "{\"mark\": \"$STATE/wrapper.pid\"}")
wait_until 30 "the job to start" test -s "$STATE/wrapper.pid" || die "the job did not start"
WRAPPER=$(cat "$STATE/wrapper.pid")
# A wrapper forked by the job launcher names itself hpcflow-wrapper.
check "the job's parent is its wrapper" \
  eval "grep -qx hpcflow-wrapper /proc/$WRAPPER/comm || tr '\\0' ' ' </proc/$WRAPPER/cmdline | grep -q job-wrapper"
T0=$(now_ms)
kill -KILL "$WRAPPER"
expect_eq "the execution ends through Catch" SUCCEEDED "$(wait_final "$STATE" "$ID" 60)"
log "found lost after $(( $(now_ms) - T0 )) ms (reconcile interval 1 s, report grace 2 s)"
OUT=$("$HPCFLOW" status "$ID" --json --state-dir "$STATE")
expect_eq "the task failed with Job.Lost" Job.Lost "$(jq -r .output.error.Error <<<"$OUT")"
check "the cause says the wrapper died while the job ran" \
  jq_ok '.output.error.Cause | test("wrapper died while the job ran")' <<<"$OUT"
check "the job's main process is gone" eval "! pid_alive $(cat "$STATE/wrapper.pid.job")"
check "the process the job started in a session of its own is gone" \
  eval "! pid_alive $(cat "$STATE/wrapper.pid.escaped")"
e2e_finish
