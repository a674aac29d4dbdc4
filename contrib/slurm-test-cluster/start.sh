#!/usr/bin/env bash
# Start a throwaway single-node Slurm cluster for hpcflow's integration tests
# (DESIGN.md §8).
#
# Everything the cluster needs lives in one fresh `mktemp -d` directory: its
# slurm.conf, state, spool, logs, pid files, and its own munged with its own key
# and socket. It listens on its own free ports, so it can run beside a real Slurm
# installation or beside another test cluster, and it never reads or writes
# /etc/slurm or /etc/munge.
#
# Usage:
#   eval "$(contrib/slurm-test-cluster/start.sh)"     # exports SLURM_CONF, HPCFLOW_SLURM_DIR
#   ...                                               # sbatch, squeue, scontrol, sinfo just work
#   contrib/slurm-test-cluster/stop.sh                # uses $HPCFLOW_SLURM_DIR
#
# stdout carries only the `export` lines (also written to <dir>/env.sh); progress
# and errors go to stderr. Exit status is non-zero if the cluster did not come up,
# and in that case nothing is left running and the directory is removed (set
# HPCFLOW_SLURM_KEEP_ON_FAILURE=1 to keep the directory for debugging).
#
# Tunables (environment):
#   HPCFLOW_SLURM_MAX_ARRAY_SIZE  MaxArraySize (default 1001); a test of array
#                                 chunking starts its own cluster with a small one
#   HPCFLOW_SLURM_MIN_JOB_AGE     MinJobAge in seconds (default 3600), so finished
#                                 jobs stay visible to squeue/scontrol during tests
#   HPCFLOW_SLURM_EXTRA_CONF      extra slurm.conf lines, appended verbatim
#   HPCFLOW_SLURM_TMPDIR          where to create the directory (default $TMPDIR or
#                                 /tmp); keep it short: munge's socket path must fit
#                                 in a unix socket address (108 bytes)
#   HPCFLOW_SLURM_START_TIMEOUT   seconds to wait for the node to become idle (60)
#   HPCFLOW_SLURM_CPUS            CPUs the node declares (default: nproc, at least
#                                 32), so that throttles like %20 can be observed
#                                 on a small machine
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'slurm-test-cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# slurmd must be root to start job steps, and the cluster is configured with
# SlurmUser=root / SlurmdUser=root, so there is no point trying without it.
[[ "$(id -u)" == 0 ]] || die "must run as root (slurmd launches jobs as their owners)"

for tool in slurmctld slurmd munged sinfo scontrol python3; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x "/usr/sbin/$tool" ]] ||
    die "'$tool' not found; run contrib/install-deps.sh"
done
# The daemons live in /usr/sbin, which is not on every root PATH (e.g. `su` without -).
export PATH="$PATH:/usr/sbin:/sbin"

max_array_size="${HPCFLOW_SLURM_MAX_ARRAY_SIZE:-1001}"
min_job_age="${HPCFLOW_SLURM_MIN_JOB_AGE:-3600}"
start_timeout="${HPCFLOW_SLURM_START_TIMEOUT:-60}"
base="${HPCFLOW_SLURM_TMPDIR:-${TMPDIR:-/tmp}}"
[[ "$max_array_size" =~ ^[0-9]+$ ]] || die "HPCFLOW_SLURM_MAX_ARRAY_SIZE must be a number"
[[ "$min_job_age" =~ ^[0-9]+$ ]] || die "HPCFLOW_SLURM_MIN_JOB_AGE must be a number"

started_at=$(date +%s.%N)
dir="$(mktemp -d "$base/hpcflow-slurm.XXXXXX")"
# The physical path, as stop.sh resolves it, so that the paths it looks for in
# the daemons' command lines match whatever symlinks lead to $base.
dir="$(cd "$dir" && pwd -P)"
# Readable by all, writable only by root: clients of any user need slurm.conf
# and the munge socket, and munged rejects a socket directory others can write.
# The munge key and seed are kept apart, in a private directory.
chmod 0755 "$dir"
# stop.sh refuses to delete a directory without this marker.
: >"$dir/.hpcflow-slurm-test-cluster"
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/run" "$dir/munge" "$dir/secret"
chmod 0700 "$dir/secret"

cleanup_on_failure() {
  local rc=$?
  [[ $rc == 0 ]] && return
  log "start failed (exit $rc); last lines of the logs in $dir/log:"
  for f in "$dir"/log/*.log; do
    [[ -f "$f" ]] || continue
    printf -- '--- %s\n' "$f" >&2
    tail -n 20 "$f" >&2 || true
  done
  if [[ "${HPCFLOW_SLURM_KEEP_ON_FAILURE:-0}" == 1 ]]; then
    HPCFLOW_SLURM_KEEP_DIR=1 "$here/stop.sh" "$dir" >&2 || true
    log "kept $dir for debugging"
  else
    "$here/stop.sh" "$dir" >&2 || true
  fi
}
trap cleanup_on_failure EXIT
# Turn INT/TERM into a normal exit so the EXIT trap cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- ports ------------------------------------------------------------------
# Two free TCP ports from 20000-32767: below Linux's default ephemeral range
# (32768-60999), so an outgoing connection cannot grab one between our check
# and the daemon's bind. Random, so parallel clusters do not collide.
read -r ctld_port slurmd_port < <(python3 - <<'EOF'
import random, socket
ports = []
candidates = random.sample(range(20000, 32768), 400)
for p in candidates:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("0.0.0.0", p))
    except OSError:
        continue
    finally:
        s.close()
    ports.append(p)
    if len(ports) == 2:
        break
print(*ports)
EOF
)
[[ -n "${slurmd_port:-}" ]] || die "could not find two free TCP ports"

# --- munge --------------------------------------------------------------------
# Our own munged with our own key: credentials from this cluster mean nothing
# to any other munged on the machine, and vice versa.
munge_key="$dir/secret/munge.key"
munge_socket="$dir/munge/munge.socket"
if command -v mungekey >/dev/null 2>&1; then
  mungekey --create --keyfile="$munge_key" >/dev/null
else
  dd if=/dev/urandom of="$munge_key" bs=1024 count=1 status=none
fi
chmod 0600 "$munge_key"
(( ${#munge_socket} < 100 )) || die "munge socket path too long: $munge_socket (set HPCFLOW_SLURM_TMPDIR)"

# --force turns munged's permission checks on the directories above its files
# (an unusual $TMPDIR, say) from fatal errors into warnings; our own files are
# set up to pass them anyway. munged daemonizes with stdio detached, so
# `$(start.sh)` does not wait for it.
munged --force \
  --socket="$munge_socket" \
  --key-file="$munge_key" \
  --pid-file="$dir/run/munged.pid" \
  --log-file="$dir/log/munged.log" \
  --seed-file="$dir/secret/munged.seed" \
  </dev/null >>"$dir/log/munged.start.log" 2>&1 ||
  die "munged failed to start"

for _ in $(seq 1 50); do
  [[ -S "$munge_socket" && -s "$dir/run/munged.pid" ]] && break
  sleep 0.1
done
[[ -S "$munge_socket" ]] || die "munged did not create its socket"

# --- slurm.conf ------------------------------------------------------------------
node="$(hostname -s)"
# More CPUs than the machine has: test jobs mostly sleep, and a throttle of 20
# array elements is only visible if 20 can run at once. slurmd would drain a
# node declared bigger than it measures, hence config_overrides below.
cpus="${HPCFLOW_SLURM_CPUS:-$(( $(nproc) > 32 ? $(nproc) : 32 ))}"
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || die "HPCFLOW_SLURM_CPUS must be a positive number"
# RealMemory a little below what the kernel reports (MemTotal, the "total" of
# `free`): if it were above what slurmd measures, slurmd would drain the node
# ("Low RealMemory").
mem_total_mb="$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)"
real_memory=$(( mem_total_mb * 95 / 100 ))
(( real_memory > 0 )) || real_memory=1
conf="$dir/slurm.conf"
# An empty plugstack.conf of our own: otherwise Slurm would look for one beside
# slurm.conf anyway, and we want nothing from /etc/slurm.
: >"$dir/plugstack.conf"

cat >"$conf" <<EOF
# Throwaway single-node test cluster created by hpcflow's
# contrib/slurm-test-cluster/start.sh. Removed by stop.sh.
ClusterName=hpcflowtest
# Address 127.0.0.1: the cluster talks only over loopback.
SlurmctldHost=${node}(127.0.0.1)
SlurmctldPort=${ctld_port}
SlurmdPort=${slurmd_port}
SlurmUser=root
SlurmdUser=root

# Our own munged, for daemons and clients alike (auth/munge and cred/munge both
# read socket= from AuthInfo), so SLURM_CONF alone is enough for sbatch & co.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${munge_socket}

StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/run/slurmctld.pid
SlurmdPidFile=${dir}/run/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=${dir}/plugstack.conf
MailProg=/bin/true

# Trust the node definition below (CPUs may exceed the real core count).
SlurmdParameters=config_overrides

# No cgroups in containers and no accounting daemon: plain process tracking.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none

# Allocate single CPUs, not whole nodes, so several 1-CPU jobs run at once.
# Memory is not a consumable resource, so jobs without --mem do not block others.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU

# Fast scheduling for tests: schedule at every submit/end event (no defer), run
# the full queue and backfill every second.
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=0,batch_sched_delay=0
# Keep finished jobs visible (tests inspect their final state), and allow
# plenty of records for large array tests.
MinJobAge=${min_job_age}
MaxJobCount=100000
MaxArraySize=${max_array_size}

# Short timeouts: tests of scancel/walltime/node failure should not wait long.
SlurmctldTimeout=10
SlurmdTimeout=30
MessageTimeout=10
KillWait=2
InactiveLimit=0
OverTimeLimit=0
ReturnToService=2

NodeName=${node} NodeHostname=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${real_memory} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
EOF
if [[ -n "${HPCFLOW_SLURM_EXTRA_CONF:-}" ]]; then
  printf '\n# From HPCFLOW_SLURM_EXTRA_CONF\n%s\n' "$HPCFLOW_SLURM_EXTRA_CONF" >>"$conf"
fi

# --- daemons --------------------------------------------------------------------
# SLURM_CONF for the daemons too, so anything they spawn resolves the same
# config. (slurmd also passes it to each slurmstepd, which is how stop.sh
# recognises this cluster's leftover steps.)
export SLURM_CONF="$conf"
# -c: start from empty state (the state dir is new anyway; be explicit).
slurmctld -c -f "$conf" </dev/null >>"$dir/log/slurmctld.start.log" 2>&1 ||
  die "slurmctld failed to start"
slurmd -c -f "$conf" -N "$node" </dev/null >>"$dir/log/slurmd.start.log" 2>&1 ||
  die "slurmd failed to start"

# --- wait until the node takes jobs -----------------------------------------------
deadline=$(( $(date +%s) + start_timeout ))
state=""
while :; do
  state="$(sinfo -h -N -n "$node" -o '%t' 2>/dev/null | head -n1 || true)"
  [[ "$state" == "idle" ]] && break
  for daemon in slurmctld slurmd munged; do
    pid="$(cat "$dir/run/$daemon.pid" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      die "$daemon (pid $pid) exited during startup"
    fi
  done
  (( $(date +%s) < deadline )) || die "node $node not idle after ${start_timeout}s (state: '${state:-no answer}')"
  sleep 0.2
done

{
  printf 'export SLURM_CONF=%q\n' "$conf"
  printf 'export HPCFLOW_SLURM_DIR=%q\n' "$dir"
} >"$dir/env.sh"
cat "$dir/env.sh"

trap - EXIT
elapsed=$(python3 -c "print(f'{$(date +%s.%N) - $started_at:.1f}')")
log "up in ${elapsed}s: dir $dir, node $node ($cpus CPUs), slurmctld :$ctld_port, slurmd :$slurmd_port, MaxArraySize=$max_array_size"
