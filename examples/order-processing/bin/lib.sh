# shellcheck shell=bash
# Helpers of the order-processing jobs (sourced, not run): the examples' shared job
# helpers (log, die, need, json_items, json_str, result) and short_id.
# shellcheck source=../../lib/jobs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/jobs.sh"

# A short, stable id for TEXT (for package and tracking numbers).
short_id() { printf '%s' "$1" | cksum | awk '{ printf "%08d", $1 % 100000000 }'; }
