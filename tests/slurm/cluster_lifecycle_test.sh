#!/usr/bin/env bash
# Tests contrib/slurm-test-cluster itself: a second cluster, started beside the
# one the other tests use, with a small MaxArraySize (as an array-chunking test
# would use). Checks that
#   - client commands work with nothing but SLURM_CONF in the environment;
#   - MaxArraySize is applied (an index >= it is rejected, one below accepted);
#   - it uses its own ports, not those of the cluster in $SLURM_CONF;
#   - stop.sh ends exactly the daemons named in its pid files and removes the
#     directory.
# Unlike the other Slurm tests it needs no SLURM_CONF, but it does need root and
# the Slurm/munge packages; HPCFLOW_SKIP_SLURM=1 skips it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if [[ "${HPCFLOW_SKIP_SLURM:-0}" == 1 ]]; then
  echo "SKIP: HPCFLOW_SKIP_SLURM=1"
  exit 77
fi
[[ "$(id -u)" == 0 ]] || { echo "FAIL: must run as root to start a Slurm cluster" >&2; exit 1; }

fail() { echo "FAIL: $*" >&2; exit 1; }

outer_conf="${SLURM_CONF:-}"
t0=$(date +%s.%N)
env_lines="$(HPCFLOW_SLURM_MAX_ARRAY_SIZE=5 "$root/contrib/slurm-test-cluster/start.sh")" ||
  fail "start.sh failed"
t1=$(date +%s.%N)
dir="$(sed -n 's/^export HPCFLOW_SLURM_DIR=//p' <<<"$env_lines")"
conf="$(sed -n 's/^export SLURM_CONF=//p' <<<"$env_lines")"
[[ -d "$dir" && -f "$conf" ]] || fail "start.sh printed no usable cluster: $env_lines"
[[ "$(cat "$dir/env.sh")" == "$env_lines" ]] || fail "env.sh differs from what start.sh printed"
stopped=0
# Turn INT/TERM into a normal exit so the EXIT trap cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM
trap '[[ $stopped == 1 ]] || "$root/contrib/slurm-test-cluster/stop.sh" "$dir"' EXIT
echo "second cluster up in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s: $dir"

# Clients with a scrubbed environment: only SLURM_CONF (and PATH) — the munge
# socket must come from AuthInfo in the conf, not from any default.
clean() { env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin SLURM_CONF="$conf" "$@"; }
[[ "$(clean sinfo -h -o '%t')" == idle ]] || fail "node not idle: $(clean sinfo 2>&1)"
max_array="$(clean scontrol show config | awk '$1 == "MaxArraySize" {print $3}')"
[[ "$max_array" == 5 ]] || fail "MaxArraySize is '$max_array', expected 5"

work="$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-slurm-life.XXXXXX")"
trap '[[ $stopped == 1 ]] || "$root/contrib/slurm-test-cluster/stop.sh" "$dir"; rm -rf -- "$work"' EXIT
if clean sbatch --chdir="$work" --output=/dev/null --array=0-5 --wrap true 2>"$work/err"; then
  fail "sbatch --array=0-5 was accepted with MaxArraySize=5"
fi
echo "rejected as expected: $(cat "$work/err")"
jid="$(clean sbatch --parsable --chdir="$work" --output=/dev/null --array=0-4 --wrap true)" ||
  fail "sbatch --array=0-4 rejected with MaxArraySize=5"
jid="${jid%%;*}"
for _ in $(seq 1 150); do
  [[ -z "$(clean squeue -h -r -j "$jid" -t pending,running,completing,configuring -o '%i')" ]] && break
  sleep 0.2
done
done_count="$(clean squeue -h -r -j "$jid" -t all -o '%T' | grep -c '^COMPLETED$' || true)"
[[ "$done_count" == 5 ]] || fail "$done_count of 5 array elements COMPLETED"

# Own ports: differ from the cluster the other tests use, if there is one.
port_of() { awk -F= -v k="$2" '$1 == k {print $2}' "$1"; }
if [[ -n "$outer_conf" && -f "$outer_conf" ]]; then
  for k in SlurmctldPort SlurmdPort; do
    [[ "$(port_of "$conf" "$k")" != "$(port_of "$outer_conf" "$k")" ]] || fail "$k shared with $outer_conf"
  done
fi

# stop.sh: the recorded daemons end, nothing else is needed, the dir goes.
pids=()
for d in munged slurmctld slurmd; do
  pid="$(cat "$dir/run/$d.pid")"
  [[ -d /proc/$pid ]] || fail "$d (pid $pid) not running before stop"
  pids+=("$pid")
done
"$root/contrib/slurm-test-cluster/stop.sh" "$dir"
stopped=1
for pid in "${pids[@]}"; do
  state="$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
  # A zombie (Z) has exited; only its parent (init) has yet to reap it.
  [[ -z "$state" || "$state" == Z ]] || fail "pid $pid still running after stop.sh"
done
[[ ! -e "$dir" ]] || fail "$dir still exists after stop.sh"
# Stopping twice is harmless.
"$root/contrib/slurm-test-cluster/stop.sh" "$dir" || fail "second stop.sh failed"
echo "PASS"
