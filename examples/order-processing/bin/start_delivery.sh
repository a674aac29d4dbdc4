#!/usr/bin/env bash
# StartDelivery (one Map item): hands the package to the carrier.
# Usage: start_delivery.sh INDEX. Environment: PACKAGE_ID, ADDRESS, SPEED.
# Result: {"status": "shipped", "trackingNumber", "eta"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need PACKAGE_ID ADDRESS SPEED
case "$SPEED" in
  [0-9]-day) days=${SPEED%%-*} ;;
  *) days=5 ;;
esac
eta=$(date -u -d "+$days days" +%Y-%m-%d)
tracking="TRK$(short_id "$PACKAGE_ID")"
log "item $1: $PACKAGE_ID shipped to $ADDRESS, tracking $tracking, due $eta"
result "{\"status\":\"shipped\",\"trackingNumber\":\"$tracking\",\"eta\":\"$eta\"}"
