# shellcheck shell=bash
# Helpers of the scatter-gather jobs (sourced, not run): the examples' shared job
# helpers (log, die, need, json_items, json_str, result).
# shellcheck source=../../lib/jobs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/jobs.sh"
