#!/usr/bin/env bash
# Stop a test cluster made by start.sh and delete its directory.
#
# Usage: stop.sh [CLUSTER_DIR]        (default: $HPCFLOW_SLURM_DIR)
#
# Kills only what this cluster started: the pids named in its own pid files,
# each checked first (via /proc/PID/cmdline) to really be that daemon running
# on this cluster's files, because a pid file can outlive its process and the
# pid can be reused. Never kills by name. Safe to run twice, and on a
# half-started cluster.
#
# HPCFLOW_SLURM_KEEP_DIR=1 stops the daemons but keeps the directory (logs).
set -uo pipefail

log() { printf 'slurm-test-cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"

dir="${1:-${HPCFLOW_SLURM_DIR:-}}"
[[ -n "$dir" ]] || die "usage: stop.sh CLUSTER_DIR (or set HPCFLOW_SLURM_DIR)"
if [[ ! -d "$dir" ]]; then
  log "$dir does not exist; nothing to stop"
  exit 0
fi
dir="$(cd "$dir" && pwd -P)"
# The marker guards the rm -rf below against a wrong argument.
[[ -f "$dir/.hpcflow-slurm-test-cluster" ]] ||
  die "$dir is not a test cluster directory (no .hpcflow-slurm-test-cluster marker)"
conf="$dir/slurm.conf"

# True if PID is alive (a zombie counts as gone: in a container, pid 1 may
# never reap our daemons after they exit).
alive() {
  local state
  state="$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# Prints the pid from DIR/run/NAME.pid if that process is NAME and was started
# for this cluster (its command line names a file in $dir).
our_daemon_pid() {
  local name="$1" pid exe args
  pid="$(tr -dc '0-9' 2>/dev/null <"$dir/run/$name.pid")" || return 1
  [[ -n "$pid" ]] && alive "$pid" || return 1
  args="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  exe="${args%% *}"
  if [[ "$(basename -- "$exe")" != "$name" || "$args" != *"$dir/"* ]]; then
    log "pid $pid in $name.pid is not this cluster's $name ('$args'); leaving it alone"
    return 1
  fi
  echo "$pid"
}

# SIGTERM, then SIGKILL after a grace period; waits until PID is gone.
terminate() {
  local name="$1" pid="$2"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    alive "$pid" || { log "stopped $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "warning: $name (pid $pid) is still running"
}

# 1. Cancel jobs first, while slurmctld and slurmd still run: slurmd does not
# kill job steps when it stops (steps are meant to survive a slurmd restart),
# so jobs left running would outlive the cluster.
if [[ -f "$conf" ]] && our_daemon_pid slurmctld >/dev/null; then
  export SLURM_CONF="$conf"
  jobs="$(squeue -h -o '%F' 2>/dev/null | sort -u | tr '\n' ' ')"
  if [[ -n "${jobs// /}" ]]; then
    # shellcheck disable=SC2086  # one word per job id
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 100); do
      [[ -z "$(squeue -h -t pending,running,suspended,completing,configuring -o '%i' 2>/dev/null)" ]] && break
      sleep 0.2
    done
  fi
fi

# 2. Stop the daemons: slurmd and slurmctld before munged, which they use to
# sign their last messages.
for name in slurmd slurmctld munged; do
  if pid="$(our_daemon_pid "$name")"; then
    terminate "$name" "$pid"
  fi
done

# 3. A job whose cancel did not finish (slurmctld already dead, or a step
# stuck) leaves its slurmstepd and the job's processes behind. Ours are the
# processes named "slurmstepd: [...]" whose environment has
# SLURM_CONF=<this cluster's conf> (slurmd sets it for every step), and their
# descendants, which are that job's processes. slurmstepd ignores SIGTERM and
# does not take its tasks down when killed, so the tasks go first, by pid.
descendants_of() {
  local stat line rest ppid pid frontier next
  declare -A parent_of=()
  for stat in /proc/[0-9]*/stat; do
    line="$(cat "$stat" 2>/dev/null)" || continue
    rest="${line##*) }"            # "state ppid ..." after "pid (comm) "
    read -r _ ppid _ <<<"$rest"
    pid="${stat#/proc/}"; parent_of["${pid%/stat}"]="$ppid"
  done
  frontier="$1"
  while [[ -n "$frontier" ]]; do
    next=""
    for pid in "${!parent_of[@]}"; do
      [[ " $frontier " == *" ${parent_of[$pid]} "* ]] && { echo "$pid"; next+=" $pid"; }
    done
    frontier="${next# }"
  done
}
for env_file in /proc/[0-9]*/environ; do
  pid="${env_file#/proc/}"; pid="${pid%/environ}"
  args="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || continue
  [[ "$args" == "slurmstepd: ["* ]] || continue
  grep -qzx "SLURM_CONF=$conf" "$env_file" 2>/dev/null || continue
  alive "$pid" || continue
  tasks="$(descendants_of "$pid" | tr '\n' ' ')"
  log "killing leftover ${args% } (pid $pid) and its processes: ${tasks:-none}"
  # shellcheck disable=SC2086  # one word per pid
  kill -KILL $tasks "$pid" 2>/dev/null || true
done

# 4. Remove the directory.
if [[ "${HPCFLOW_SLURM_KEEP_DIR:-0}" == 1 ]]; then
  log "kept $dir"
else
  rm -rf -- "$dir"
  log "removed $dir"
fi
