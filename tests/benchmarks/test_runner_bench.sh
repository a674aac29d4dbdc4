#!/usr/bin/env bash
# The TestRunner of examples/test-runner at scale (issue 13's target: 5,000
# tests, each a Wait of 1-5 s, in <= 30 s wall on a 2-core machine, <= 1 GB,
# every test recorded exactly once; AWS runs the sample in about 60 s).
#
#   test_runner_bench.sh HPCFLOW [--tests N] [--recorder pass|job] [--backend B]
#
# --recorder pass (default): the ResultRecorder is a Pass state, so the figure
#   measures orchestration: 2 child executions per test plus the Distributors.
# --recorder job: the example's own recorder, a job per test (N jobs on the
#   machine's slots); the figure to read is the orchestrator's CPU per test.
# Prints wall time, the `run` process's own CPU (sampled from /proc while it
# runs: user+system of that process, not of its jobs), its peak RSS, and the
# number of tests recorded. A benchmark, not a test: nothing is asserted.
set -u
HPCFLOW=${1:?"usage: $0 HPCFLOW [--tests N] [--recorder pass|job] [--backend B]"}
shift
TESTS=5000 RECORDER=pass BACKEND=local
while [ $# -gt 0 ]; do
  case $1 in
    --tests) TESTS=$2; shift 2 ;;
    --recorder) RECORDER=$2; shift 2 ;;
    --backend) BACKEND=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/sample_process.sh"
EXAMPLE=$HERE/../../examples/test-runner
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-testrunner.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
STATE=$WORK/state
mkdir -p "$WORK/results"
recorder=$EXAMPLE/result_recorder.yaml
[ "$RECORDER" = pass ] && recorder=$HERE/test_runner/result_recorder_pass.yaml
"$HPCFLOW" register TestRunner-Distributor "$EXAMPLE/distributor.yaml" --state-dir "$STATE" >/dev/null
"$HPCFLOW" register TestRunner-Test "$EXAMPLE/test.yaml" --type EXPRESS --state-dir "$STATE" >/dev/null
"$HPCFLOW" register TestRunner-ResultRecorder "$recorder" --type EXPRESS --state-dir "$STATE" >/dev/null

start=$(date +%s%N)
"$HPCFLOW" run "$EXAMPLE/main.yaml" --json --backend "$BACKEND" --state-dir "$STATE" --input \
  "{\"tests\": $TESTS, \"results_dir\": \"$WORK/results\", \"min_wait\": 1, \"max_wait\": 6}" \
  >"$WORK/out.json" 2>"$WORK/err.log" &
pid=$!
sample_process "$pid"
cpu_ms=$SAMPLED_CPU_MS rss=$SAMPLED_RSS_KB
wait "$pid"
rc=$?
end=$(date +%s%N)
wall_ms=$(( (end - start) / 1000000 ))
"$HPCFLOW" list --limit 1000000 --json --state-dir "$STATE" >"$WORK/list.json"
executions=$(jq length "$WORK/list.json")
# Every test's recorder: one SUCCEEDED execution per test.
recorders=$(jq '[.[] | select((.workflow | test("result_recorder")) and .status == "SUCCEEDED")]
  | length' "$WORK/list.json")
list_ms=$( { s=$(date +%s%N); "$HPCFLOW" list --limit 100 --state-dir "$STATE" >/dev/null;
  echo $(( ($(date +%s%N) - s) / 1000000 )); } )
recorded=$(jq -r '.output.recorded // "none"' "$WORK/out.json")
echo "test-runner: $TESTS tests, recorder=$RECORDER, backend=$BACKEND, exit $rc"
echo "  output:     $(head -c 200 "$WORK/out.json")"
echo "  wall:       $((wall_ms / 1000)).$(printf %03d $((wall_ms % 1000))) s (target <= 30 s at 5,000; AWS ~60 s)"
echo "  run CPU:    ${cpu_ms} ms = $(awk -v c="$cpu_ms" -v n="$TESTS" 'BEGIN {printf "%.3f", c / n}') ms per test (target <= 1 ms with jobs)"
echo "  peak RSS:   $((rss / 1024)) MB (target <= 1 GB)"
echo "  executions: $executions in the store ($recorders recorders SUCCEEDED); list --limit 100: ${list_ms} ms"
if [ "$RECORDER" = job ]; then
  echo "  recorded:   $recorded files, $(sort -u "$WORK/results/recorded.log" | wc -l) distinct ids in $(wc -l <"$WORK/results/recorded.log") log lines"
fi
[ "$rc" -eq 0 ] || { tail -5 "$WORK/err.log" >&2; exit 1; }
