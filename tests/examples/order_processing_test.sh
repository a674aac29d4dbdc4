#!/usr/bin/env bash
# examples/order-processing end to end: the article's order goes through
# ValidatePayment, the Map over its items (3 jobs per item) and
# SendOrderSummary, and every item comes back processed; a declined card takes
# the PaymentFailed branch and processes nothing.
# Usage: order_processing_test.sh PATH_TO_HPCFLOW
# e2e_state_dir assigns the variable it is given; jq programs are in single quotes.
# shellcheck disable=SC2154,SC2016 source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh" "$@"
E2E_DEADLINE_S=${E2E_DEADLINE_S:-110}

EXAMPLE=$(cd "$E2E_DIR/../../examples/order-processing" && pwd)
WORKFLOW=$EXAMPLE/order-processing.json
ORDER=$EXAMPLE/order.json

# ---- the article's order
e2e_state_dir ok
"$HPCFLOW" run "$WORKFLOW" --input "@$ORDER" --json --state-dir "$ok/state" \
  >"$ok/out.json" 2>"$ok/err.log" </dev/null
expect_eq "order: exit code" 0 "$?"
log "output: $(head -c 300 "$ok/out.json")"
out=$ok/out.json
expect_eq "order: status" SUCCEEDED "$(jq -r .status "$out")"
expect_eq "order: payment Ok" Ok "$(jq -r .output.payment.status "$out")"
expect_eq "order: every item processed" 5 "$(jq '.output.detail.processedItems | length' "$out")"
check "order: processed items in order, each the order's item" \
  jq_ok --slurpfile o "$ORDER" '[.output.detail.processedItems[] | .item] == $o[0].detail.items and [.output.detail.processedItems[].index] == [0,1,2,3,4]' "$out"
check "order: every item available, packed, shipped with a tracking number" \
  jq_ok '[.output.detail.processedItems[] | .availability.available == true and (.package.packageId | startswith("PKG-")) and .delivery.status == "shipped" and (.delivery.trackingNumber | test("^TRK[0-9]{8}$")) and .deliveryAddress == "123, Seattle, WA"] | all' "$out"
expect_eq "order: distinct tracking numbers" 5 \
  "$(jq '[.output.detail.processedItems[].delivery.trackingNumber] | unique | length' "$out")"
expect_eq "order: summary item count" 5 "$(jq .output.detail.summary.items "$out")"
expect_eq "order: summary total" 338 "$(jq .output.detail.summary.total "$out")"
check "order: the summary lists every product with its tracking number" \
  jq_ok '.output.detail.summary.message as $m | [.output.detail.processedItems[] | . as $i | $m | contains($i.item.productName + ": ") and contains($i.delivery.trackingNumber)] | all' "$out"
check "order: no payment failure" jq_ok '.output | has("paymentFailure") | not' "$out"
id=$("$HPCFLOW" list --json --state-dir "$ok/state" | jq -r '.[0].executionId')
"$HPCFLOW" history "$id" --json --state-dir "$ok/state" >"$ok/history.json"
for s in CheckAvailability PrepareForDelivery StartDelivery; do
  expect_eq "order: 5 $s jobs" 5 \
    "$(jq --arg s "$s" '[.[] | select(.type == "TaskSucceeded" and .stateName == $s)] | length' "$ok/history.json")"
done
# MaxConcurrency 3: at no time more than 3 items in flight (item starts and
# ends, in history order).
expect_eq "order: at most 3 items at a time" 3 "$(jq '
  reduce (.[] | select(.type == "MapIterationStarted" or .type == "MapIterationSucceeded")) as $e
    ({n: 0, max: 0}; .n += (if $e.type == "MapIterationStarted" then 1 else -1 end) | .max = ([.max, .n] | max))
  | .max' "$ok/history.json")"

# ---- a declined card
e2e_state_dir declined
jq '.detail.paymentMethod = "expiredCard"' "$ORDER" >"$declined/order.json"
"$HPCFLOW" run "$WORKFLOW" --input "@$declined/order.json" --json --state-dir "$declined/state" \
  >"$declined/out.json" 2>"$declined/err.log" </dev/null
expect_eq "declined: exit code" 0 "$?"
out=$declined/out.json
expect_eq "declined: status" SUCCEEDED "$(jq -r .status "$out")"
expect_eq "declined: payment Declined" Declined "$(jq -r .output.payment.status "$out")"
check "declined: the customer is told" \
  jq_ok '.output.paymentFailure.notification | test("could not take the payment for order 12345678")' "$out"
check "declined: no item processed" \
  jq_ok '.output.detail | has("processedItems") or has("summary") | not' "$out"

e2e_finish
