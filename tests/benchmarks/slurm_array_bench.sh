#!/usr/bin/env bash
# Baseline for hpcflow's Slurm arrays: wall time of one raw
# `sbatch --array=0-199%20` of `sleep 0.5` jobs, from submission until every
# element has ended, on the Slurm cluster named by SLURM_CONF (normally the
# throwaway test cluster). The hpcflow side (the same 200 items as a Map with
# MaxConcurrency 20) is to be measured against this figure.
#
# Not run by CTest (a benchmark, not a test). Usage:
#   eval "$(contrib/slurm-test-cluster/start.sh)"
#   tests/benchmarks/slurm_array_bench.sh [N [THROTTLE [SLEEP_S]]]    # 200 20 0.5
#   contrib/slurm-test-cluster/stop.sh
# Prints one JSON line: {"benchmark":"slurm_raw_array",...,"wall_s":...}.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../slurm/lib.sh"
require_slurm_cluster

n="${1:-200}"
throttle="${2:-20}"
sleep_s="${3:-0.5}"
timeout_s="${HPCFLOW_BENCH_TIMEOUT:-600}"

work="$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-slurm-bench.XXXXXX")"
jid=""
cleanup() {
  if [[ -n "$jid" ]]; then scancel "$jid" 2>/dev/null || true; fi
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$(date +%s.%N)
jid="$(sbatch --parsable --array="0-$((n - 1))%$throttle" --job-name=hpcflow-bench \
  --chdir="$work" --output=/dev/null --ntasks=1 --cpus-per-task=1 --time=10 \
  --wrap "sleep $sleep_s")"
jid="${jid%%;*}"
t_submitted=$(date +%s.%N)

# Poll until nothing of the array is pending or running. Ended elements stay
# listed (MinJobAge), so filter by state.
deadline=$(( $(date +%s) + timeout_s ))
polls=0
while [[ -n "$(squeue -h -r -j "$jid" -t pending,running,completing,configuring,suspended -o '%i' 2>/dev/null)" ]]; do
  (( $(date +%s) < deadline )) || { echo "array $jid not done after ${timeout_s}s" >&2; exit 1; }
  polls=$((polls + 1))
  sleep 0.2
done
t1=$(date +%s.%N)
completed="$(squeue -h -r -j "$jid" -t all -o '%T' | grep -c '^COMPLETED$' || true)"
jid_done="$jid"
jid=""
[[ "$completed" == "$n" ]] || { echo "only $completed of $n elements COMPLETED (array $jid_done)" >&2; exit 1; }

awk -v n="$n" -v th="$throttle" -v s="$sleep_s" -v t0="$t0" -v ts="$t_submitted" -v t1="$t1" \
  -v cpus="$(sinfo -h -o '%c' | head -n1)" 'BEGIN {
  ideal = n / th * s
  printf "{\"benchmark\":\"slurm_raw_array\",\"items\":%d,\"throttle\":%d,\"sleep_s\":%s,", n, th, s
  printf "\"node_cpus\":%s,\"sbatch_s\":%.3f,\"wall_s\":%.2f,\"ideal_s\":%.1f}\n", cpus, ts - t0, t1 - t0, ideal
}'
