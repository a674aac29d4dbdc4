#!/usr/bin/env bash
# examples/test-runner end to end at a small size: 60 tests (two batches of
# the Distributor, so its recursion runs), every test recorded exactly once,
# every execution SUCCEEDED, the children named after their parents.
# Usage: test_runner_test.sh PATH_TO_HPCFLOW
# shellcheck disable=SC2154,SC2016 source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh" "$@"
E2E_DEADLINE_S=${E2E_DEADLINE_S:-110}

EXAMPLE=$(cd "$E2E_DIR/../../examples/test-runner" && pwd)
e2e_state_dir work
mkdir -p "$work/results"
cd "$EXAMPLE" || die "no $EXAMPLE"
"$HPCFLOW" register TestRunner-Distributor distributor.yaml --state-dir "$work/state" >/dev/null &&
  "$HPCFLOW" register TestRunner-Test test.yaml --type EXPRESS --state-dir "$work/state" >/dev/null &&
  "$HPCFLOW" register TestRunner-ResultRecorder result_recorder.yaml --type EXPRESS \
    --state-dir "$work/state" >/dev/null || die "register failed"
"$HPCFLOW" run main.yaml --json --state-dir "$work/state" --input \
  "{\"tests\": 60, \"results_dir\": \"$work/results\", \"min_wait\": 1, \"max_wait\": 2}" \
  >"$work/out.json" 2>"$work/err.log" </dev/null
expect_eq "exit code" 0 "$?"
expect_eq "60 tests, 60 recorded" '{"status":"SUCCEEDED","output":{"tests":60,"recorded":60}}' \
  "$(cat "$work/out.json")"
expect_eq "each test recorded exactly once" "$(seq 1 60 | tr '\n' ' ')" \
  "$(sort -n "$work/results/recorded.log" | tr '\n' ' ')"
expect_eq "a result is the test's verdict" '17 true' \
  "$(jq -r '"\(.id) \(.passed)"' "$work/results/test-17.json")"
listed=$("$HPCFLOW" list --limit 1000 --json --state-dir "$work/state")
# main, the top Distributor, 2 batch Distributors, 60 tests, 60 recorders.
expect_eq "124 executions, all SUCCEEDED" "124 124" \
  "$(jq '[length, ([.[] | select(.status == "SUCCEEDED")] | length)] | join(" ")' -r <<<"$listed")"
expect_eq "two batches, named after their parent" 2 \
  "$(jq '[.[] | select(.name | test("_all_batch[01]$"))] | length' <<<"$listed")"
expect_eq "the tests and recorders are express" 120 \
  "$(jq '[.[] | select(.express)] | length' <<<"$listed")"
e2e_finish
