#!/usr/bin/env bash
# SendOrderSummary: tells the customer (here: the job's stdout) what shipped.
# Environment: PRODUCTS, PRICES, QUANTITIES, TRACKING (JSON arrays, one entry
# per processed item, in order). Result: {"items", "total", "message"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need PRODUCTS PRICES QUANTITIES TRACKING
mapfile -t products < <(json_items "$PRODUCTS")
mapfile -t prices < <(json_items "$PRICES")
mapfile -t quantities < <(json_items "$QUANTITIES")
mapfile -t tracking < <(json_items "$TRACKING")
n=${#products[@]}
[ "${#prices[@]}" -eq "$n" ] && [ "${#quantities[@]}" -eq "$n" ] && [ "${#tracking[@]}" -eq "$n" ] ||
  die "the item lists differ in length"
total=0
message="Your order has shipped ($n items):"
for ((i = 0; i < n; i++)); do
  line=$(awk -v p="${prices[i]}" -v q="${quantities[i]}" 'BEGIN { printf "%.2f", p * q }')
  total=$(awk -v t="$total" -v l="$line" 'BEGIN { printf "%.2f", t + l }')
  message="$message
  ${quantities[i]} x ${products[i]}: \$$line, tracking ${tracking[i]}"
done
message="$message
Total: \$$total"
printf '%s\n' "$message"
result "{\"items\":$n,\"total\":$total,\"message\":$(json_str "$message")}"
