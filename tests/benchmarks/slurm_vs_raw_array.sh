#!/usr/bin/env bash
# Slurm speed benchmark (issue: "200 jobs of 0.5 s with MaxConcurrency 20
# through hpcflow take at most 1.2x the wall time of the same work submitted
# as one raw sbatch --array=0-199%20, measured in the same run").
#
# Alternates the two, ROUNDS times each, on the cluster named by SLURM_CONF
# (normally the throwaway test cluster), and prints each figure, the best of
# each side, their ratio, and hpcflow's Slurm command counts.
#   eval "$(contrib/slurm-test-cluster/start.sh)"
#   tests/benchmarks/slurm_vs_raw_array.sh build/release/orchestrator/hpcflow [ROUNDS] [N]
#   contrib/slurm-test-cluster/stop.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../slurm/lib.sh"
require_slurm_cluster
hpcflow=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rounds=${2:-2}
n=${3:-200}
state=$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-slurm-vs-raw.XXXXXXXX")
trap 'rm -rf "$state"' EXIT
jq -n --argjson n "$n" '{items: [range($n)], sleep: 0.5}' >"$state/input.json"

raw_best=""
hpc_best=""
for round in $(seq 1 "$rounds"); do
  raw=$("$here/slurm_array_bench.sh" "$n" 20 0.5 | jq -r .wall_s)
  t0=$(date +%s.%N)
  "$hpcflow" run "$here/workloads/slurm_map.yaml" --backend slurm --input "@$state/input.json" \
    --json --state-dir "$state/hpcflow" >"$state/out.json"
  t1=$(date +%s.%N)
  jq -e --argjson n "$n" '.status == "SUCCEEDED" and (.output | length) == $n' "$state/out.json" \
    >/dev/null || { echo "hpcflow run failed: $(head -c 500 "$state/out.json")" >&2; exit 1; }
  hpc=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  echo "round $round: raw sbatch --array: ${raw} s, hpcflow: ${hpc} s"
  raw_best=$(awk -v a="$raw" -v b="${raw_best:-1e9}" 'BEGIN { print (a < b ? a : b) }')
  hpc_best=$(awk -v a="$hpc" -v b="${hpc_best:-1e9}" 'BEGIN { print (a < b ? a : b) }')
done
id=$("$hpcflow" list --json --state-dir "$state/hpcflow" | jq -r '.[0].executionId')
commands=$("$hpcflow" status "$id" --json --state-dir "$state/hpcflow" | jq -c .backendCommands)
ratio=$(awk -v a="$hpc_best" -v b="$raw_best" 'BEGIN { printf "%.2f", a / b }')
echo "best of $rounds: raw ${raw_best} s, hpcflow ${hpc_best} s: ratio ${ratio} (target <= 1.2); hpcflow's Slurm commands for the last run: $commands"
