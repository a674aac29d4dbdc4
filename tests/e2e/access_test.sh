#!/usr/bin/env bash
# Access by another user (docs/security.md): a second Unix user on the same
# machine (nobody, through runuser) cannot read the store, the job specs or
# the jobs' output, cannot use the control API, and cannot complete a task or
# report a job's end. Needs root (for runuser); skipped (77) otherwise.
source "$(dirname "$0")/lib.sh" "$@"
if [ "$(id -u)" != 0 ] || ! command -v runuser >/dev/null; then
  log "skipped: needs root and runuser"
  exit 77
fi
as_nobody() { runuser -u nobody -- "$@"; }
# as_nobody_fails DESCRIPTION COMMAND...: the command, run as nobody, fails.
as_nobody_fails() {
  local what=$1
  shift
  if as_nobody "$@" >/dev/null 2>&1; then fail "nobody could: $what"; else log "ok: nobody cannot $what"; fi
}
as_nobody "$HPCFLOW" --version >/dev/null 2>&1 || die "nobody cannot run $HPCFLOW (its directories must be searchable)"

# A base directory everyone may enter, as a home or a project directory is;
# the state directory inside it is hpcflow's to create.
e2e_state_dir BASE
chmod 755 "$BASE"
S=$BASE/state
e2e_register_dir "$S"
"$HPCFLOW" server --state-dir "$S" >"$BASE/server.log" 2>&1 </dev/null &
disown $!
wait_until 30 "the server" test -s "$S/server.url" || die "the server did not start"
URL=$(cat "$S/server.url")
ID=$("$HPCFLOW" submit "$E2E_WORKFLOWS/token_wait.yaml" --state-dir "$S" \
  --input "{\"token_file\": \"$S/token\"}")
wait_until 30 "the job's token" test -s "$S/token" || die "no token"
TOKEN=$(cat "$S/token")
SPEC=$(find "$S/executions" -name spec.json | head -1)
JOB_DIR=$(dirname "$SPEC")

log "--- files"
as_nobody_fails "list the state directory" ls "$S"
as_nobody_fails "read the store" cat "$S/hpcflow.db"
as_nobody_fails "read the token key" cat "$S/token.key"
as_nobody_fails "read the control key" cat "$S/control.key"
as_nobody_fails "read a job spec (it holds the task token)" cat "$SPEC"
as_nobody_fails "read a job's output" cat "$JOB_DIR/stdout"
as_nobody_fails "read a job's input" cat "$JOB_DIR/input.json"
as_nobody_fails "use the state directory with hpcflow" "$HPCFLOW" list --state-dir "$S"

log "--- the control API"
code=$(as_nobody curl -s -o /dev/null -w '%{http_code}' "$URL/v1/executions")
expect_eq "listing executions without the control key gets 401" 401 "$code"
code=$(as_nobody curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer 0000000000000000000000000000000000000000000000000000000000000000' \
  -H 'Content-Type: application/json' -d '{}' "$URL/v1/executions/$ID/stop")
expect_eq "stopping an execution with a guessed key gets 401" 401 "$code"

log "--- completing a task"
# The right claims (this execution and task) with a signature that is not
# the state directory's: nobody can read neither the token nor the key.
e2e_state_dir OTHER
chown nobody "$OTHER"
expect_eq "a tampered token is refused" 1 "$(as_nobody env HOME="$OTHER" "$HPCFLOW" callback \
  success --token "${TOKEN%.*}.AAAA" --output '{}' --url "$URL" --retry-for 2 >/dev/null 2>&1; echo $?)"
code=$(as_nobody curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"token\": \"${TOKEN%.*}.AAAA\", \"output\": {}}" "$URL/v1/tasks/success")
expect_eq "a forged success gets 403" 403 "$code"
code=$(as_nobody curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"token\": \"${TOKEN%.*}.AAAA\", \"key\": \"x\", \"end\": {\"kind\": \"exited\", \
\"exit_code\": 0, \"signal\": 0, \"start_ms\": 0, \"end_ms\": 0}}" "$URL/v1/jobs/end")
expect_eq "a forged job end gets 403" 403 "$code"
expect_eq "the task still waits" RUNNING "$(status_field "$S" "$ID" status)"

log "--- a running job's environment (its token) is not readable"
"$HPCFLOW" submit "$E2E_WORKFLOWS/long_job.yaml" --state-dir "$S" \
  --input "{\"pid_file\": \"$BASE/job.pid\", \"seconds\": 30}" >/dev/null
wait_until 30 "the long job" test -s "$BASE/job.pid" || die "the long job did not start"
as_nobody_fails "read the job's environment" cat "/proc/$(cat "$BASE/job.pid")/environ"
e2e_finish
