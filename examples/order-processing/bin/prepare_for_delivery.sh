#!/usr/bin/env bash
# PrepareForDelivery (one Map item): packs the item.
# Usage: prepare_for_delivery.sh INDEX. Environment: PRODUCT, QUANTITY, WAREHOUSE.
# Result: {"packageId"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need PRODUCT QUANTITY WAREHOUSE
package="PKG-$WAREHOUSE-$1-$(short_id "$PRODUCT")"
log "item $1 ($PRODUCT x $QUANTITY): packed as $package"
result "{\"packageId\":\"$package\"}"
