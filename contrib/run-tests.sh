#!/usr/bin/env bash
# Run the whole CTest suite (every label: unit, slurm, mpi, ...) against a
# throwaway Slurm cluster that exists only for this run.
#
# Usage: contrib/run-tests.sh [BUILD_DIR [extra ctest args...]]   (default build/release)
#
# The cluster is stopped on every exit path (tests failing, ctest crashing,
# Ctrl-C, SIGTERM), and the exit status is ctest's.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-$root/build/release}"
shift || true

cluster_dir=""
ctest_pid=""

stop_cluster() {
  if [[ -n "$cluster_dir" ]]; then
    "$root/contrib/slurm-test-cluster/stop.sh" "$cluster_dir"
  fi
  cluster_dir=""
}

# Pids whose parent is $1 (from /proc, so no dependency on procps).
children_of() {
  local stat line rest
  for stat in /proc/[0-9]*/stat; do
    line="$(cat "$stat" 2>/dev/null)" || continue
    rest="${line##*) }"           # after "pid (comm) ": "state ppid ..."
    read -r _ ppid _ <<<"$rest"
    [[ "$ppid" == "$1" ]] && { pid="${stat#/proc/}"; echo "${pid%/stat}"; }
  done
}

# True while PID runs (a zombie has finished).
running() {
  local state
  state="$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# On INT/TERM, stop the tests in a way that lets them clean up: ctest passes no
# signal on to its tests, and a test whose ctest is gone dies of SIGPIPE on its
# next message, before its cleanup (e.g. a test that started its own cluster
# stopping it). So: freeze ctest (SIGSTOP: it starts no further test, yet its
# pipes stay open), SIGTERM the tests it is running, wait for them, then kill
# ctest's process group (ctest and whatever its tests left; set -m below makes
# that group ours alone). Then exit, which runs stop_cluster.
on_signal() {
  local kids pid
  if [[ -n "$ctest_pid" ]] && running "$ctest_pid"; then
    kill -STOP "$ctest_pid" 2>/dev/null || true
    kids="$(children_of "$ctest_pid")"
    for pid in $kids; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 150); do
      local busy=0
      for pid in $kids; do running "$pid" && busy=1; done
      (( busy )) || break
      sleep 0.2
    done
    kill -KILL -- "-$ctest_pid" 2>/dev/null || true
  fi
  exit "$1"
}
trap stop_cluster EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# Captured first, not `eval "$(start.sh)"`: eval of an empty string would hide
# a failed start.
env_lines="$("$root/contrib/slurm-test-cluster/start.sh")" || {
  echo "run-tests: could not start the Slurm test cluster" >&2
  exit 1
}
eval "$env_lines"
cluster_dir="$HPCFLOW_SLURM_DIR"

# In the background with `wait`, because bash runs traps only once the
# foreground command returns. --no-tests=error: a build that registered no
# tests must not look green.
set -m  # job control: the background ctest leads its own process group
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j2 "$@" &
ctest_pid=$!
set +m
wait "$ctest_pid"
rc=$?
ctest_pid=""
exit "$rc"
