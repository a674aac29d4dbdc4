#!/usr/bin/env bash
# Latency benchmark (DESIGN.md §6: "job end -> next state starts < 100 ms
# median"): N short local jobs run one after the other under `hpcflow run`;
# for each, the time from the job's end (recorded by its wrapper in the job
# directory's `exit` file) to the next state's entry in the history. Jobs
# report their end through the callback API; nothing polls.
#
# usage: callback_latency.sh HPCFLOW_BINARY [N]   (default N=50)
# Prints the median, p90 and max in milliseconds. Exit 0 when the run
# succeeded (the figures are reported, not asserted).
set -euo pipefail
hpcflow=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
n=${2:-50}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state=$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-latency.XXXXXXXX")
trap 'rm -rf "$state"' EXIT

start=$(date +%s%3N)
"$hpcflow" run "$here/workloads/job_chain.yaml" --input "{\"n\": $n}" --json --state-dir "$state" \
  >"$state/result.json"
end=$(date +%s%3N)
jq -e '.status == "SUCCEEDED"' "$state/result.json" >/dev/null || {
  echo "the run failed: $(cat "$state/result.json")" >&2
  exit 1
}
id=$("$hpcflow" list --json --state-dir "$state" | jq -r '.[0].executionId')
"$hpcflow" history "$id" --json --state-dir "$state" >"$state/history.json"

# Job ends, in task order, from the wrappers' exit records.
for dir in $(ls -d "$state"/executions/*/tasks/* | sort -t/ -k1,1 -V); do
  jq -r .end_ms "$dir/exit"
done | sort -n >"$state/ends"
# The entries into "Count", the state after each job, in order.
jq -r '.[] | select(.type == "PassStateEntered" and .stateName == "Count") | .timestamp' \
  "$state/history.json" | while read -r t; do date -u -d "$t" +%s%3N; done >"$state/next"
paste "$state/ends" "$state/next" | awk '{ print $2 - $1 }' | sort -n >"$state/latency"
count=$(wc -l <"$state/latency")
[ "$count" -eq "$n" ] || { echo "expected $n jobs, measured $count" >&2; exit 1; }
median=$(awk -v n="$count" 'NR == int((n + 1) / 2) { print }' "$state/latency")
p90=$(awk -v n="$count" 'NR == int(n * 0.9 + 0.999) { print }' "$state/latency")
max=$(tail -n1 "$state/latency")
echo "callback latency, job end -> next state, $n local jobs: median ${median} ms, p90 ${p90} ms, max ${max} ms (target: median < 100 ms)"
echo "whole run: $((end - start)) ms for $n jobs ($(( (end - start) / n )) ms per job, including process start)"
