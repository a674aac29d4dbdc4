#!/usr/bin/env bash
# Runs the MPI check program under mpirun, configured to work where hpcflow's
# tests run: as root, in a container, on 2 cores, with no ssh and possibly
# inside a Slurm test cluster's environment. The settings are environment
# variables (OMPI_MCA_*), the same ones the hpcflow MPI backend's tests need.
#
# Usage: run_mpi_test.sh MPIEXEC PROGRAM NP
set -uo pipefail
mpiexec="$1" program="$2" np="$3"

# Root: Open MPI refuses to run as root without both the flag and these.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# More ranks than cores is fine here (tests, not performance).
export OMPI_MCA_rmaps_base_oversubscribe=1
# Containers usually forbid the cross-memory-attach (ptrace) copy that the
# shared-memory transport would try first.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# Single node: shared memory only; no probing of network interfaces.
export OMPI_MCA_btl=self,vader
# Launch locally without ssh or srun, even if a Slurm allocation's variables
# happen to be in the environment.
export OMPI_MCA_plm=isolated
export OMPI_MCA_ras=^slurm
# Open MPI's own allocations are not ours to report under ASan.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

out="$("$mpiexec" --allow-run-as-root --oversubscribe -np "$np" "$program" 2>&1)"
rc=$?
echo "$out"
[[ $rc == 0 ]] || { echo "FAIL: mpirun exited with $rc" >&2; exit 1; }

expected_sum=$(( np * (np + 1) / 2 ))
for (( r = 0; r < np; r++ )); do
  grep -qx "rank $r of $np" <<<"$out" || { echo "FAIL: no output from rank $r" >&2; exit 1; }
done
grep -qx "allreduce sum $expected_sum expected $expected_sum: ok" <<<"$out" ||
  { echo "FAIL: Allreduce did not produce $expected_sum" >&2; exit 1; }
echo "PASS"
