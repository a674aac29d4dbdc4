#!/usr/bin/env bash
# Runs a command against a Slurm test cluster of its own, started with the
# given MaxArraySize and stopped (by its recorded pids, via stop.sh) whatever
# happens: for tests that need settings the shared cluster does not have.
#
# Usage: with_own_cluster.sh MAX_ARRAY_SIZE COMMAND [ARGS...]
# Needs root (like cluster_lifecycle_test.sh); HPCFLOW_SKIP_SLURM=1 skips (77).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ "${HPCFLOW_SKIP_SLURM:-0}" == 1 ]]; then
  echo "SKIP: HPCFLOW_SKIP_SLURM=1"
  exit 77
fi
[[ "$(id -u)" == 0 ]] || { echo "FAIL: must run as root to start a Slurm cluster" >&2; exit 1; }
max_array_size="$1"
shift

env_lines="$(HPCFLOW_SLURM_MAX_ARRAY_SIZE="$max_array_size" "$root/contrib/slurm-test-cluster/start.sh")" ||
  { echo "FAIL: start.sh failed" >&2; exit 1; }
dir="$(sed -n 's/^export HPCFLOW_SLURM_DIR=//p' <<<"$env_lines")"
trap '"$root/contrib/slurm-test-cluster/stop.sh" "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
eval "$env_lines"
"$@"
