# Shared helpers of the end-to-end tests (sourced, not run).
#
# Usage, at the top of a test:   source "$(dirname "$0")/lib.sh" "$@"
# The first argument of every test is the hpcflow binary under test.
#
# Every state directory a test makes with e2e_state_dir is cleaned up by an
# EXIT trap, even when the test fails or is interrupted: its server (pid read
# from <state>/server.lock) and every process that belongs to it are killed
# by pid. A process belongs to a state directory when one of its arguments is
# the directory or a path below it (servers, job wrappers, sqlite3 shells),
# or when its environment has HPCFLOW_STATE_DIR=<state> (jobs and their
# children). Nothing is ever killed by name.
#
# Assertions: `check` records a failure and goes on (so one run reports every
# broken expectation); `die` stops the test. The exit code is 0 when nothing
# failed, 1 otherwise, 77 when the test skipped itself.

set -u
set -o pipefail

HPCFLOW=${1:?"usage: $0 PATH_TO_HPCFLOW"}
HPCFLOW=$(cd "$(dirname "$HPCFLOW")" && pwd)/$(basename "$HPCFLOW")
[ -x "$HPCFLOW" ] || { echo "not executable: $HPCFLOW" >&2; exit 2; }
for tool in jq sqlite3 date; do
  command -v "$tool" >/dev/null || { echo "this test needs $tool" >&2; exit 2; }
done

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # used by the tests
E2E_WORKFLOWS=$E2E_DIR/workflows
E2E_STATE_DIRS=()
E2E_MOUNTS=()
E2E_EXTRA_PIDS=()
E2E_FAILURES=0
E2E_TEST_NAME=$(basename "$0" .sh)
E2E_T0=$(date +%s%3N)

log() { echo "[$E2E_TEST_NAME +$(( $(date +%s%3N) - E2E_T0 ))ms] $*" >&2; }

# check DESCRIPTION COMMAND...: runs COMMAND; a non-zero status is a failure.
check() {
  local what=$1
  shift
  if "$@"; then
    log "ok: $what"
  else
    log "FAIL: $what"
    E2E_FAILURES=$((E2E_FAILURES + 1))
  fi
}

fail() {
  log "FAIL: $*"
  E2E_FAILURES=$((E2E_FAILURES + 1))
}

die() {
  log "FATAL: $*"
  E2E_FAILURES=$((E2E_FAILURES + 1))
  exit 1
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
  if [ "$2" == "$3" ]; then
    log "ok: $1"
  else
    log "FAIL: $1: expected [$2], got [$3]"
    E2E_FAILURES=$((E2E_FAILURES + 1))
  fi
}

now_ms() { date +%s%3N; }

# jq_ok FILTER [ARGS...] <JSON: true when the filter's last output is truthy.
jq_ok() { jq -e "$@" >/dev/null; }

# iso_ms 2026-01-01T00:00:00.123Z -> milliseconds since the epoch.
iso_ms() { date -u -d "$1" +%s%3N; }

# e2e_state_dir VAR: a fresh state directory (mktemp -d), cleaned up at exit.
e2e_state_dir() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-e2e.XXXXXXXX") || die "mktemp failed"
  E2E_STATE_DIRS+=("$dir")
  printf -v "$1" '%s' "$dir"
}

# e2e_register_dir DIR: clean up the processes of DIR at exit too (for state
# directories made some other way, e.g. on a tmpfs).
e2e_register_dir() { E2E_STATE_DIRS+=("$1"); }

# True when PID is alive and not a zombie.
pid_alive() {
  local pid=$1 stat
  [ -n "$pid" ] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ] && [ "${stat%% *}" != X ]
}

# True when PID's command line names DIR (the directory or a path below it).
pid_names_dir() {
  local pid=$1 dir=$2 arg
  local -a args=()
  { mapfile -d '' -t args <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
  for arg in "${args[@]}"; do
    case "$arg" in
      "$dir" | "$dir"/*) return 0 ;;
    esac
  done
  return 1
}

pid_has_state_env() {
  local pid=$1 dir=$2 var
  local -a vars=()
  { mapfile -d '' -t vars <"/proc/$pid/environ"; } 2>/dev/null || return 1
  for var in "${vars[@]}"; do
    [ "$var" == "HPCFLOW_STATE_DIR=$dir" ] && return 0
  done
  return 1
}

# Pids of the live processes that belong to any of the DIRs (see the header).
e2e_pids_of_dir() {
  local entry pid dir
  for entry in /proc/[0-9]*; do
    pid=${entry#/proc/}
    [ "$pid" == "$$" ] && continue
    [ "$pid" == "$BASHPID" ] && continue
    for dir in "$@"; do
      if pid_names_dir "$pid" "$dir" || pid_has_state_env "$pid" "$dir"; then
        pid_alive "$pid" && echo "$pid"
        break
      fi
    done
  done
}

# The pid of the live server of DIR (from DIR/server.lock), or nothing.
server_pid() {
  local dir=$1 pid
  [ -f "$dir/server.lock" ] || return 0
  pid=$(head -n1 "$dir/server.lock" 2>/dev/null | tr -dc 0-9)
  [ -n "$pid" ] || return 0
  if pid_alive "$pid" && pid_names_dir "$pid" "$dir"; then
    local -a args=()
    { mapfile -d '' -t args <"/proc/$pid/cmdline"; } 2>/dev/null
    [ "${args[1]:-}" == server ] && echo "$pid"
  fi
  return 0
}

# wait_until TIMEOUT_S DESCRIPTION COMMAND...: polls COMMAND every 0.1 s.
wait_until() {
  local timeout_s=$1 what=$2
  shift 2
  local deadline=$(( $(now_ms) + timeout_s * 1000 ))
  while ! "$@"; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      log "timed out after ${timeout_s}s waiting for: $what"
      return 1
    fi
    sleep 0.1
  done
}

lock_names_pid() { [ "$(head -n1 "$1/server.lock" 2>/dev/null | tr -dc 0-9)" == "$2" ]; }

# start_server DIR: starts `hpcflow server --state-dir DIR &` (as a user
# restarts it after a crash) and waits until it holds the lock. Sets
# SERVER_PID. Call it directly, not in $(...), so the server is this shell's
# child and bash reaps it when it dies.
SERVER_PID=
start_server() {
  local dir=$1
  "$HPCFLOW" server --state-dir "$dir" >>"$dir/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  disown "$SERVER_PID"  # no "Killed" notice from bash when a test kills it
  if ! wait_until 30 "server $SERVER_PID to take the lock of $dir" \
      lock_names_pid "$dir" "$SERVER_PID"; then
    tail -n 20 "$dir/server.log" >&2
    die "the server did not start"
  fi
}

# kill9_server DIR: kill -9 of DIR's server; waits until it is gone.
kill9_server() {
  local dir=$1 pid
  pid=$(server_pid "$dir")
  [ -n "$pid" ] || { log "kill9_server: no server runs on $dir"; return 1; }
  kill -KILL "$pid" 2>/dev/null
  wait_until 30 "server $pid to die" eval "! pid_alive $pid" || die "server $pid survived kill -9"
  return 0
}

# stop_server DIR: SIGTERM (clean stop) of DIR's server, then SIGKILL.
stop_server() {
  local dir=$1 pid
  pid=$(server_pid "$dir")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  wait_until 10 "server $pid to stop" eval "! pid_alive $pid" || kill -KILL "$pid" 2>/dev/null
  return 0
}

# status_field DIR ID FIELD: one field of `status --json` (raw), or "".
status_field() {
  "$HPCFLOW" status "$2" --json --state-dir "$1" 2>/dev/null | jq -r ".$3 // empty"
}

is_final_status() {
  case "$(status_field "$1" "$2" status)" in
    SUCCEEDED | FAILED | TIMED_OUT | ABORTED) return 0 ;;
    *) return 1 ;;
  esac
}

# wait_final DIR ID TIMEOUT_S: waits for the execution to end; prints its status.
wait_final() {
  wait_until "$3" "execution $2 to end" is_final_status "$1" "$2" || true
  status_field "$1" "$2" status
}

# e2e_kill_dir DIR...: kills everything that belongs to the DIRs, by pid:
# the servers first (so that they start no more jobs), then the rest.
e2e_kill_dir() {
  local dir pid
  for dir in "$@"; do
    pid=$(server_pid "$dir")
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  done
  for _ in $(seq 1 50); do
    local -a pids=()
    mapfile -t pids < <(e2e_pids_of_dir "$@")
    [ "${#pids[@]}" -eq 0 ] && return 0
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    sleep 0.1
  done
  log "could not kill every process of $*: $(e2e_pids_of_dir "$@" | tr '\n' ' ')"
  return 1
}

e2e_cleanup() {
  local status=$? dir pid leftover=0
  trap - EXIT INT TERM
  kill "$E2E_WATCHDOG_PID" 2>/dev/null
  for pid in "${E2E_EXTRA_PIDS[@]}"; do
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
  done
  if [ "${#E2E_STATE_DIRS[@]}" -gt 0 ]; then
    e2e_kill_dir "${E2E_STATE_DIRS[@]}" || leftover=1
  fi
  wait 2>/dev/null
  for dir in "${E2E_MOUNTS[@]}"; do
    umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null
  done
  if [ "$status" -ne 0 ] && [ "$status" -ne 77 ] || [ "$E2E_FAILURES" -ne 0 ]; then
    local shown=0
    for dir in "${E2E_STATE_DIRS[@]}"; do
      # The servers' own words, for the first few state directories.
      if [ -s "$dir/server.log" ] && [ "$shown" -lt 4 ]; then
        shown=$((shown + 1))
        echo "---- $dir/server.log (last lines)" >&2
        tail -n 15 "$dir/server.log" >&2
      fi
    done
    log "state directories kept for inspection: ${E2E_STATE_DIRS[*]}"
  elif [ "${E2E_KEEP:-0}" != 1 ]; then
    for dir in "${E2E_STATE_DIRS[@]}"; do rm -rf "$dir"; done
  fi
  [ "$leftover" -ne 0 ] && status=1
  if [ "$status" -eq 0 ] && [ "$E2E_FAILURES" -ne 0 ]; then status=1; fi
  log "done: $([ "$status" -eq 0 ] && echo PASSED || { [ "$status" -eq 77 ] && echo SKIPPED || echo "FAILED (exit $status, $E2E_FAILURES failed check(s))"; })"
  exit "$status"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

# A watchdog: CTest kills a test that overruns its TIMEOUT with SIGKILL, which
# no trap sees, and would leave servers and jobs behind. So each test stops
# itself first (SIGTERM runs the EXIT trap) after E2E_DEADLINE_S seconds, kept
# below the TIMEOUTs in CMakeLists.txt; its direct children are stopped too,
# so that a long foreground command does not hold the trap back.
E2E_DEADLINE_S=${E2E_DEADLINE_S:-240}
e2e_watchdog() {
  local parent=$$ deadline=$(( $(now_ms) + E2E_DEADLINE_S * 1000 )) child
  while kill -0 "$parent" 2>/dev/null; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      echo "[$E2E_TEST_NAME] watchdog: still running after ${E2E_DEADLINE_S}s; stopping it" >&2
      kill -TERM "$parent" 2>/dev/null
      sleep 2
      for child in $(ps -o pid= --ppid "$parent"); do
        [ "$child" != "$BASHPID" ] && kill -TERM "$child" 2>/dev/null
      done
      return
    fi
    sleep 1
  done
}
e2e_watchdog </dev/null >/dev/null &
E2E_WATCHDOG_PID=$!

# e2e_finish: the last line of a test.
e2e_finish() {
  [ "$E2E_FAILURES" -eq 0 ] && exit 0
  exit 1
}
