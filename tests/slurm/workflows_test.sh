#!/usr/bin/env bash
# Workflows on the real Slurm cluster through the hpcflow server
# (`--backend slurm`): jobs are sbatch jobs, a Map of jobs is one array, ends
# come back through callbacks, and Slurm's own end states become ASL errors.
#   workflows_test.sh HPCFLOW CASE...
#   cases: sync array retry timeout scancel adopt redrive genomics
source "$(dirname "$0")/../e2e/lib.sh" "$1"
source "$(dirname "$0")/lib.sh"
require_slurm_cluster
shift
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(sync array retry timeout scancel adopt redrive genomics)
WORKFLOWS=$(cd "$(dirname "$0")" && pwd)/workflows

e2e_state_dir STATE
start_server "$STATE"
# At exit: diagnostics on failure, and no job of ours left in the queue
# (found by the batch scripts' paths, which are under the state directory).
slurm_cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then dump_slurm_diagnostics; fi
  squeue -h -o '%A %o' 2>/dev/null | awk -v dir="$STATE" 'index($2, dir) == 1 { print $1 }' |
    xargs -r scancel 2>/dev/null
  (exit "$rc")
  e2e_cleanup
}
trap slurm_cleanup EXIT

submit() {  # WORKFLOW INPUT -> id
  "$HPCFLOW" submit "$WORKFLOWS/$1" --backend slurm --input "$2" --state-dir "$STATE"
}
sbatch_count() {  # ID -> sbatch calls made for the execution
  "$HPCFLOW" status "$1" --json --state-dir "$STATE" | jq '.backendCommands.slurm.sbatch // 0'
}
output() { "$HPCFLOW" status "$1" --json --state-dir "$STATE" | jq -c "${2:-.output}"; }

case_sync() {
  local id
  id=$(submit sync_job.yaml '{}')
  expect_eq "sync: a .sync job on Slurm succeeds" SUCCEEDED "$(wait_final "$STATE" "$id" 120)"
  expect_eq "sync: the result names the backend" '"slurm"' "$(output "$id" .output.Backend)"
  check "sync: the job wrote its result (its Slurm job id)" \
    jq_ok '.output.Result.job | test("^[0-9]+$")' <<<"$(output "$id" .)"
  expect_eq "sync: one sbatch" 1 "$(sbatch_count "$id")"
}

case_array() {
  local id dir max=0 running samples=0
  dir=$(mktemp -d "$STATE/array.XXXX")
  id=$(submit array.yaml "{\"items\": $(jq -nc '[range(200)]'), \"dir\": \"$dir\", \"sleep\": 0.5, \"fail_first\": [], \"always_fail\": []}")
  # The throttle, as Slurm sees it: never more than 20 elements running.
  while ! is_final_status "$STATE" "$id"; do
    # Only this test's elements (their batch scripts lie under $STATE): other
    # tests may run arrays on the same cluster at the same time.
    running=$(squeue -h -t RUNNING -o '%i %o' 2>/dev/null | grep -F "$STATE/" | grep -c _ || true)
    [ "$running" -gt "$max" ] && max=$running
    samples=$((samples + 1))
    sleep 0.3
  done
  expect_eq "array: 200 items with MaxConcurrency 20 succeed" SUCCEEDED "$(status_field "$STATE" "$id" status)"
  check "array: never more than 20 running in squeue (max seen $max in $samples samples)" \
    test "$max" -le 20
  check "array: the throttle was reached (max seen $max)" test "$max" -ge 10
  expect_eq "array: every item's result, in order" true \
    "$(output "$id" "[.output[].i] == [range(200)]")"
  expect_eq "array: one sbatch for 200 items" 1 "$(sbatch_count "$id")"
}

case_retry() {
  local id dir
  dir=$(mktemp -d "$STATE/retry.XXXX")
  id=$(submit array.yaml "{\"items\": $(jq -nc '[range(10)]'), \"dir\": \"$dir\", \"sleep\": 0.2, \"fail_first\": [2, 5, 7], \"always_fail\": [9]}")
  expect_eq "retry: the Map ends" SUCCEEDED "$(wait_final "$STATE" "$id" 180)"
  expect_eq "retry: items that failed once succeed on retry" '[0,1,2,3,4,5,6,7,8]' \
    "$(output "$id" '[.output[] | select(.failed == null) | .i]')"
  expect_eq "retry: the item that always fails is caught after its retry" '"States.TaskFailed"' \
    "$(output "$id" '.output[9].failed')"
  # The first array, then the failed items (2, 5, 7, 9) again: as one array
  # when their retries come due together, at most one sbatch per item.
  local n
  n=$(sbatch_count "$id")
  check "retry: retried items go back as arrays ($n sbatch calls)" test "$n" -ge 2 -a "$n" -le 5
}

case_timeout() {
  local id
  id=$(submit timeout.yaml '{}')
  expect_eq "timeout: the Map ends through Catch" SUCCEEDED "$(wait_final "$STATE" "$id" 200)"
  expect_eq "timeout: a job past its Time is States.Timeout" '"States.Timeout"' \
    "$(output "$id" .output.error.Error)"
}

case_scancel() {
  local id mark
  mark=$STATE/scancel.mark
  id=$(submit cancel_me.yaml "{\"mark\": \"$mark\"}")
  wait_until 60 "the job to start" test -s "$mark" || fail "scancel: the job did not start"
  scancel "$(cat "$mark")"
  expect_eq "scancel: the execution ends through Catch" SUCCEEDED "$(wait_final "$STATE" "$id" 120)"
  expect_eq "scancel: a job cancelled from outside is Slurm.Cancelled" '"Slurm.Cancelled"' \
    "$(output "$id" .output.error.Error)"
}

case_adopt() {
  local id dir
  dir=$(mktemp -d "$STATE/adopt.XXXX")
  id=$(submit array.yaml "{\"items\": $(jq -nc '[range(40)]'), \"dir\": \"$dir\", \"sleep\": 2, \"fail_first\": [], \"always_fail\": []}")
  wait_until 60 "the array to run" eval '[ "$(squeue -h -t RUNNING -o %i | grep -c _)" -gt 0 ]' ||
    fail "adopt: the array did not start"
  kill9_server "$STATE"
  log "adopt: server killed while the array runs; jobs end and retry their callbacks"
  sleep 5
  start_server "$STATE"
  expect_eq "adopt: the workflow ends after the restart" SUCCEEDED "$(wait_final "$STATE" "$id" 180)"
  expect_eq "adopt: every item's result" true "$(output "$id" "[.output[].i] == [range(40)]")"
  expect_eq "adopt: the array was adopted, not submitted again" 1 "$(sbatch_count "$id")"
}

case_redrive() {
  local id dir input
  dir=$(mktemp -d "$STATE/redrive.XXXX")
  # The last 5 items fail 3 s after they start, when every other item has
  # ended: only they are unsuccessful, and a redrive reruns just them.
  input=$(jq -cn --arg dir "$dir" '{items: [range(200)], dir: $dir,
    failing: " 195 196 197 198 199 ", fail_delay: 3}')
  id=$("$HPCFLOW" submit "$E2E_WORKFLOWS/redrive_map.yaml" --backend slurm --input "$input" \
    --state-dir "$STATE")
  expect_eq "redrive: the Map of 200 fails" FAILED "$(wait_final "$STATE" "$id" 240)"
  expect_eq "redrive: its 200 items went out as one sbatch" 1 "$(sbatch_count "$id")"
  local n_first
  n_first=$(wc -l <"$dir/runs.log")
  touch "$dir/allow"
  "$HPCFLOW" redrive "$id" --state-dir "$STATE" >/dev/null
  expect_eq "redrive: redrive exits 0" 0 "$?"
  expect_eq "redrive: the redriven execution succeeds" SUCCEEDED "$(wait_final "$STATE" "$id" 240)"
  expect_eq "redrive: exactly items 195-199 ran again, once each" "195 196 197 198 199 " \
    "$(tail -n +"$((n_first + 1))" "$dir/runs.log" | sort -n | tr '\n' ' ')"
  expect_eq "redrive: the 5 went out as one sbatch (2 in all)" 2 "$(sbatch_count "$id")"
  expect_eq "redrive: 200 results, redriven once" '{"count":200,"redrives":1}' "$(output "$id")"
}

case_genomics() {
  local id examples
  examples=$(cd "$(dirname "$0")/../../examples" && pwd)
  for tool in bwa samtools bcftools; do
    command -v "$tool" >/dev/null || { fail "genomics: $tool is missing"; return; }
  done
  # The same file as on the local backend; an absolute outdir, as on a cluster.
  id=$("$HPCFLOW" submit "$examples/genomics/genomics.yaml" --backend slurm \
    --input "{\"outdir\": \"$STATE/genomics\"}" --state-dir "$STATE")
  expect_eq "genomics: the example succeeds on Slurm" SUCCEEDED "$(wait_final "$STATE" "$id" 240)"
  check "genomics: the report is written" test -s "$STATE/genomics/report.json"
  check "genomics: planted SNPs were recovered" \
    jq_ok '.recovered_snps > 0' \
    "$STATE/genomics/report.json"
  local n
  n=$(sbatch_count "$id")
  log "genomics: $n sbatch calls"
}

for c in "${CASES[@]}"; do
  log "case $c"
  "case_$c"
done
e2e_finish
