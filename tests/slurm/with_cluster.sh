#!/usr/bin/env bash
# Runs a test program against the cluster named by SLURM_CONF, with the
# Slurm tests' rules for a missing cluster (lib.sh: fail, or skip with
# HPCFLOW_SKIP_SLURM=1).   with_cluster.sh PROGRAM [ARGS...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_slurm_cluster
exec "$@"
