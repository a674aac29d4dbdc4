#!/usr/bin/env bash
# ReportFailure: reached through a Catch. Writes OUTDIR/FAILED.json saying
# which execution failed, with which error and why (the cause carries the
# failed job's exit code and the tail of its stderr), so a user looking at the
# output directory sees it without the history.
#
# Environment: OUTDIR (as given in the input: the failure may have happened
# before it was resolved), ERROR, CAUSE.
# Result: {"file"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need OUTDIR
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
file=$OUTDIR/FAILED.json
printf '{"execution":"%s","failed_at":"%s","error":"%s","cause":"%s"}\n' \
  "${HPCFLOW_EXECUTION_ID:-}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$(printf '%s' "${ERROR:-unknown}" | json_escape)" \
  "$(printf '%s' "${CAUSE:-}" | json_escape)" >"$file"
log "the workflow failed with ${ERROR:-unknown}; failure report: $file"
result "{\"file\":\"$file\"}"
