#!/usr/bin/env bash
# PaymentFailed: tells the customer (here: the job's stdout) that the payment
# did not go through. Environment: ORDER_ID, CUSTOMER_ID, REASON.
# Result: {"notification"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need ORDER_ID CUSTOMER_ID REASON
msg="Dear customer $CUSTOMER_ID, we could not take the payment for order $ORDER_ID: $REASON."
printf '%s\n' "$msg"
result "{\"notification\":$(json_str "$msg")}"
