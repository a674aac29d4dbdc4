#!/usr/bin/env bash
# Smoke test of the Slurm test cluster: a 10-element job array throttled to 2
# at a time (`--array=0-9%2`) must run every element, never more than 2 at
# once, and — since the cluster hands out single CPUs — 2 at once at some point.
# This is the shape hpcflow uses for a Map state with MaxConcurrency.
#
# Needs SLURM_CONF (see lib.sh). Env: HPCFLOW_SMOKE_TIMEOUT (seconds, default 120).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_slurm_cluster

timeout_s="${HPCFLOW_SMOKE_TIMEOUT:-120}"
n=10
throttle=2

# The job writes into a directory that the compute node sees at the same path:
# on this single-node cluster, any local directory.
work="$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-slurm-smoke.XXXXXX")"
jid=""
finish() {
  local rc=$?
  if [[ $rc != 0 && $rc != 77 ]]; then
    if [[ -n "$jid" ]]; then scancel "$jid" 2>/dev/null || true; fi
    dump_slurm_diagnostics
    echo "--- job output files"
    tail -n 5 "$work"/out.* 2>/dev/null || true
  fi
  rm -rf -- "$work"
}
trap finish EXIT
# Turn INT/TERM into a normal exit so the EXIT trap cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM

cat >"$work/element.sh" <<'EOF'
#!/bin/bash
# One array element: record when it started and ended.
set -e
date +%s.%N >"start.$SLURM_ARRAY_TASK_ID"
sleep 1
date +%s.%N >"end.$SLURM_ARRAY_TASK_ID"
EOF

t0=$(date +%s.%N)
jid="$(sbatch --parsable --array="0-$((n - 1))%$throttle" --job-name=hpcflow-smoke \
  --chdir="$work" --output="$work/out.%A_%a" --ntasks=1 --cpus-per-task=1 --time=5 \
  "$work/element.sh")"
jid="${jid%%;*}"  # --parsable prints "jobid[;cluster]"
echo "submitted array job $jid"

# Poll until no element is pending or running. Finished elements stay listed
# with a terminal state (the cluster's MinJobAge is long), so filter by state.
deadline=$(( $(date +%s) + timeout_s ))
while [[ -n "$(squeue -h -r -j "$jid" -t pending,running,completing,configuring,suspended -o '%i' 2>/dev/null)" ]]; do
  if (( $(date +%s) >= deadline )); then
    echo "FAIL: array job $jid not finished after ${timeout_s}s" >&2
    exit 1
  fi
  sleep 0.2
done
t1=$(date +%s.%N)

# Every element must have COMPLETED (exit 0) ...
states="$(squeue -h -r -j "$jid" -t all -o '%K %T' | sort -n)"
echo "element states:"; echo "$states" | sed 's/^/  /'
completed="$(grep -c ' COMPLETED$' <<<"$states" || true)"
if [[ "$completed" != "$n" ]]; then
  echo "FAIL: $completed of $n elements COMPLETED" >&2
  exit 1
fi
# ... and left both timestamps.
for i in $(seq 0 $((n - 1))); do
  if [[ ! -s "$work/start.$i" || ! -s "$work/end.$i" ]]; then
    echo "FAIL: element $i did not record its start and end" >&2
    exit 1
  fi
done

# Maximum overlap: sweep over start (+1) and end (-1) events in time order; at
# equal times ends go first, so back-to-back elements do not count as overlapping.
max_overlap="$(
  for i in $(seq 0 $((n - 1))); do
    echo "$(cat "$work/start.$i") 1"
    echo "$(cat "$work/end.$i") 0"
  done | sort -k1,1g -k2,2n | awk '
    $2 == 1 { cur++; if (cur > max) max = cur }
    $2 == 0 { cur-- }
    END { print max + 0 }'
)"
elapsed="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
echo "max concurrent elements: $max_overlap (throttle $throttle); submit to all done: ${elapsed}s"

if (( max_overlap > throttle )); then
  echo "FAIL: $max_overlap elements overlapped; the %$throttle throttle allows $throttle" >&2
  exit 1
fi
if (( max_overlap < throttle )); then
  # Other tests may share the cluster (ctest -j) and hold its CPUs; only an
  # otherwise idle cluster must have run two elements side by side.
  others="$(squeue -h -r -t all -o '%F' | grep -vx "$jid" | sort -u | tr '\n' ' ' || true)"
  if [[ -n "${others// /}" ]]; then
    echo "note: elements never ran $throttle at a time, but other jobs ($others) shared the cluster"
  else
    echo "FAIL: elements never ran $throttle at a time on an idle cluster; it should run 1-CPU jobs side by side" >&2
    exit 1
  fi
fi
echo "PASS"
