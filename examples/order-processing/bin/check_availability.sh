#!/usr/bin/env bash
# CheckAvailability (one Map item): finds a warehouse with the item in stock.
# Usage: check_availability.sh INDEX. Environment: PRODUCT, CATEGORY, QUANTITY.
# Result: {"available", "warehouse"}. More than 100 of one item is out of stock:
# the job fails (States.TaskFailed), and so does the Map.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need PRODUCT CATEGORY QUANTITY
case "$CATEGORY" in
  book) warehouse=SEA-BOOKS-1 ;;
  grocery) warehouse=SEA-FRESH-2 ;;
  *) warehouse=SEA-GENERAL-3 ;;
esac
awk -v q="$QUANTITY" 'BEGIN { exit !(q + 0 >= 1 && q + 0 <= 100) }' ||
  die "item $1 ($PRODUCT): $QUANTITY not in stock"
log "item $1 ($PRODUCT x $QUANTITY): in stock at $warehouse"
result "{\"available\":true,\"warehouse\":\"$warehouse\"}"
