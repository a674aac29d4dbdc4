#!/usr/bin/env bash
# examples/genomics end to end, with the real bwa, samtools and bcftools:
#   default   no input at all (the embedded defaults), run from a scratch
#             directory: the results land in ./genomics-results, the report's
#             counts are plausible and match the files it describes;
#   flaky     "flaky": true: every alignment fails once, the Retry runs it
#             again, the history records both attempts, the results are the
#             same as without failures (seeded);
#   fail      "fail_step": "align": the alignment fails on every attempt, the
#             Catch routes to ReportFailure, FAILED.json is written, the
#             execution ends FAILED with the job's error.
# Usage: genomics_test.sh PATH_TO_HPCFLOW
# e2e_state_dir assigns the variable it is given; jq programs are in single quotes.
# shellcheck disable=SC2154,SC2016 source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh" "$@"
E2E_DEADLINE_S=${E2E_DEADLINE_S:-270}

for tool in bwa samtools bcftools; do
  command -v "$tool" >/dev/null || { log "skipped: $tool is not installed (contrib/install-deps.sh)"; exit 77; }
done
WORKFLOW=$(cd "$E2E_DIR/../../examples/genomics" && pwd)/genomics.yaml

# run_wf DIR [ARGS...]: hpcflow run WORKFLOW --json in DIR (state in DIR/state);
# stdout to DIR/out.json, stderr to DIR/err.log, exit code to DIR/rc.
run_wf() {
  local dir=$1
  shift
  (cd "$dir" && "$HPCFLOW" run "$WORKFLOW" --json --state-dir "$dir/state" "$@" \
    >"$dir/out.json" 2>"$dir/err.log" </dev/null)
  echo $? >"$dir/rc"
  log "run $* -> exit $(cat "$dir/rc"): $(head -c 300 "$dir/out.json")"
}

# history DIR: the history of the only execution of DIR/state, as JSON.
history() {
  local id
  id=$("$HPCFLOW" list --json --state-dir "$1/state" | jq -r '.[0].executionId')
  "$HPCFLOW" history "$id" --json --state-dir "$1/state"
}

# ---- default: no input
e2e_state_dir work
t0=$(now_ms)
run_wf "$work"
log "default run took $(( $(now_ms) - t0 )) ms"
out=$work/out.json
res=$work/genomics-results
expect_eq "default: exit code" 0 "$(cat "$work/rc")"
expect_eq "default: status" SUCCEEDED "$(jq -r .status "$out")"
expect_eq "default: outdir is ./genomics-results, absolute" "$res" "$(jq -r .output.outdir "$out")"
expect_eq "default: 3 samples" 3 "$(jq -r .output.samples "$out")"
expect_eq "default: 4 regions" 4 "$(jq -r '.output.variants_per_region | length' "$out")"
expect_eq "default: 15 planted SNPs per sample" 45 "$(jq -r .output.planted_snps "$out")"
check "default: variants > 0 and PASS variants > 0" \
  jq_ok '.output.variants > 0 and .output.variants_pass > 0' "$out"
check "default: >= 90% of the planted SNPs recovered" \
  jq_ok '.output.recovered_snps >= 0.9 * .output.planted_snps' "$out"
check "default: every sample recovers >= 80% of its SNPs, with variants > 0" \
  jq_ok '[.output.per_sample[] | .variants > 0 and .recovered >= 0.8 * .planted] | length == 3 and all' "$out"
check "default: few false positives (<= 10% of the PASS calls)" \
  jq_ok '.output.false_positives <= 0.1 * .output.variants_pass' "$out"
check "default: the per-region counts add up to the PASS variants" \
  jq_ok '([.output.variants_per_region[]] | add) == .output.variants_pass' "$out"
check "default: report.json is the output" \
  jq_ok --slurpfile r "$res/report.json" '.output == $r[0]' "$out"
for f in reference/ref.fa reference/ref.fa.fai reference/ref.fa.bwt reference/truth.tsv \
    bam/S1.bam bam/S1.bam.bai bam/S3.bam.bai calls/region-0003.vcf.gz \
    variants.vcf.gz variants.vcf.gz.tbi; do
  check "default: $f written" test -s "$res/$f"
done
expect_eq "default: the VCF has the reported number of records" \
  "$(jq -r .output.variants "$out")" "$(bcftools view -H "$res/variants.vcf.gz" | wc -l)"
expect_eq "default: the VCF has the 3 samples" "S1 S2 S3" \
  "$(bcftools query -l "$res/variants.vcf.gz" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "default: truth.tsv has the planted SNPs" 45 "$(wc -l <"$res/reference/truth.tsv")"
check "default: no FAILED.json" test ! -e "$res/FAILED.json"
history "$work" >"$work/history.json"
expect_eq "default: 3 alignments, no retry" 3 \
  "$(jq '[.[] | select(.type == "TaskScheduled" and .stateName == "Align")] | length' "$work/history.json")"
expect_eq "default: 4 region calls" 4 \
  "$(jq '[.[] | select(.type == "TaskScheduled" and .stateName == "CallRegion")] | length' "$work/history.json")"
check "default: every job ran with Cpus, Memory and Time" \
  jq_ok '[.[] | select(.type == "TaskScheduled") | .details.parameters | has("Cpus") and has("Memory") and has("Time")] | all' \
  "$work/history.json"

# ---- flaky: the Retry recovers
e2e_state_dir flaky
run_wf "$flaky" --input "{\"outdir\":\"$flaky/out\",\"flaky\":true}"
expect_eq "flaky: exit code" 0 "$(cat "$flaky/rc")"
expect_eq "flaky: status" SUCCEEDED "$(jq -r .status "$flaky/out.json")"
check "flaky: the same counts as the default run (seeded)" \
  jq_ok --slurpfile d "$out" '.output.per_sample == $d[0].output.per_sample and .output.variants == $d[0].output.variants' \
  "$flaky/out.json"
history "$flaky" >"$flaky/history.json"
expect_eq "flaky: 3 failed first attempts of Align" 3 \
  "$(jq '[.[] | select(.type == "TaskFailed" and .stateName == "Align" and (.details.cause | test("transient failure")))] | length' "$flaky/history.json")"
expect_eq "flaky: 6 Align jobs (3 retried)" 6 \
  "$(jq '[.[] | select(.type == "TaskScheduled" and .stateName == "Align")] | length' "$flaky/history.json")"
expect_eq "flaky: the retries ran with RetryCount 1" 3 \
  "$(jq '[.[] | select(.type == "TaskScheduled" and .stateName == "Align" and .details.parameters.Environment.ATTEMPT == 1)] | length' "$flaky/history.json")"
check "flaky: nothing caught" \
  jq_ok '[.[] | select(.stateName == "ReportFailure")] | length == 0' "$flaky/history.json"

# ---- fail: Retry gives up, Catch writes the failure report, then Fail
e2e_state_dir broken
run_wf "$broken" --input "{\"outdir\":\"$broken/out\",\"fail_step\":\"align\"}"
expect_eq "fail: exit code" 1 "$(cat "$broken/rc")"
expect_eq "fail: status" FAILED "$(jq -r .status "$broken/out.json")"
expect_eq "fail: the job's error" States.TaskFailed "$(jq -r .error "$broken/out.json")"
check "fail: the cause has the job's stderr and names the failure report" \
  jq_ok --arg f "$broken/out/FAILED.json" '.cause | test("align failed on purpose") and contains($f)' "$broken/out.json"
check "fail: FAILED.json written" test -s "$broken/out/FAILED.json"
check "fail: FAILED.json has the error, the cause and the execution" \
  jq_ok '.error == "States.TaskFailed" and (.cause | test("align failed on purpose")) and (.execution | length > 0)' \
  "$broken/out/FAILED.json"
history "$broken" >"$broken/history.json"
check "fail: Align was retried before giving up" \
  jq_ok '[.[] | select(.type == "TaskScheduled" and .stateName == "Align" and .details.parameters.Environment.ATTEMPT == 1)] | length >= 1' \
  "$broken/history.json"
check "fail: ReportFailure ran, then the Fail state" \
  jq_ok '([.[] | select(.type == "TaskStateExited" and .stateName == "ReportFailure")] | length == 1) and ([.[] | select(.type == "FailStateEntered" and .stateName == "Failed")] | length == 1)' \
  "$broken/history.json"
check "fail: no variant calling after the failure" \
  jq_ok '[.[] | select(.stateName == "CallRegion" or .stateName == "Report")] | length == 0' "$broken/history.json"
check "fail: no report.json" test ! -e "$broken/out/report.json"

e2e_finish
