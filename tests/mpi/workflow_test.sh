#!/usr/bin/env bash
# A workflow's MPI Task end to end: `hpcflow run` with hpcflow:::mpi:run.sync
# runs the program under the real mpirun with Tasks ranks, through the job
# wrapper and the callback API.   workflow_test.sh HPCFLOW MPI_PROGRAM
source "$(dirname "$0")/../e2e/lib.sh" "$1"
program=$2
e2e_state_dir STATE
"$HPCFLOW" run "$(dirname "$0")/workflows/allreduce.yaml" --input "{\"program\": \"$program\"}" \
  --json --state-dir "$STATE" >"$STATE/result.json"
expect_eq "the MPI task succeeds" SUCCEEDED "$(jq -r .status "$STATE/result.json")"
expect_eq "on the mpi backend" mpi "$(jq -r .output.Backend "$STATE/result.json")"
STDOUT=$(jq -r .output.Stdout "$STATE/result.json")
check "both ranks ran" grep -q "rank 1 of 2" "$STDOUT"
check "and agreed (Allreduce)" grep -q "allreduce sum 3 expected 3: ok" "$STDOUT"
e2e_finish
