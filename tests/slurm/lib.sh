# shellcheck shell=bash
# Shared helpers for the Slurm integration tests (sourced, not run).
#
# The tests use a real cluster, normally the throwaway one from
# contrib/slurm-test-cluster/start.sh, found through SLURM_CONF.

# A missing cluster is a failure, not a pass: a test run that silently skipped
# every Slurm test would look green while testing nothing. HPCFLOW_SKIP_SLURM=1
# says "skip on purpose"; exit 77 is the SKIP_RETURN_CODE set in CMakeLists.txt.
require_slurm_cluster() {
  if [[ -z "${SLURM_CONF:-}" ]]; then
    if [[ "${HPCFLOW_SKIP_SLURM:-0}" == 1 ]]; then
      echo "SKIP: SLURM_CONF is not set and HPCFLOW_SKIP_SLURM=1"
      exit 77
    fi
    echo "FAIL: SLURM_CONF is not set. Start the test cluster first:" >&2
    echo '        eval "$(contrib/slurm-test-cluster/start.sh)"' >&2
    echo "      (or run 'make check'), or set HPCFLOW_SKIP_SLURM=1 to skip Slurm tests." >&2
    exit 1
  fi
  if [[ ! -r "$SLURM_CONF" ]]; then
    echo "FAIL: SLURM_CONF=$SLURM_CONF is not readable (cluster stopped?)" >&2
    exit 1
  fi
  local t
  for t in sbatch squeue scontrol sinfo; do
    command -v "$t" >/dev/null || { echo "FAIL: $t not found (install slurm-client)" >&2; exit 1; }
  done
  if ! sinfo -h >/dev/null 2>&1; then
    echo "FAIL: cannot reach slurmctld with SLURM_CONF=$SLURM_CONF:" >&2
    sinfo -h >&2 || true
    exit 1
  fi
}

# Prints the tail of the controller's log when the cluster is ours; helps
# diagnose a failure from ctest's output alone.
dump_slurm_diagnostics() {
  echo "--- squeue (all states)"
  squeue -a -t all -o '%.12i %.10T %.20r %.8M %N' 2>&1 || true
  echo "--- sinfo"
  sinfo -N -l 2>&1 || true
  if [[ -n "${HPCFLOW_SLURM_DIR:-}" && -f "$HPCFLOW_SLURM_DIR/log/slurmctld.log" ]]; then
    echo "--- tail of slurmctld.log"
    tail -n 30 "$HPCFLOW_SLURM_DIR/log/slurmctld.log" 2>&1 || true
  fi
}
