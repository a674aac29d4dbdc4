#!/usr/bin/env bash
# ValidatePayment (a Lambda function in the article): checks the order's
# payment method. Environment: ORDER_ID, CUSTOMER_ID, PAYMENT_METHOD.
# Result: {"status": "Ok" | "Declined", "reason"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need ORDER_ID CUSTOMER_ID PAYMENT_METHOD
case "$PAYMENT_METHOD" in
  "") status=Declined reason="no payment method" ;;
  *expired* | *declined* | *Expired* | *Declined*)
    status=Declined reason="the card was declined ($PAYMENT_METHOD)" ;;
  *) status=Ok reason="authorized" ;;
esac
log "order $ORDER_ID of customer $CUSTOMER_ID: payment $status ($reason)"
result "{\"status\":\"$status\",\"reason\":$(json_str "$reason")}"
