#!/usr/bin/env bash
# Adapter between ../shared/conformance/run and hpcflow: runs one case
# (DEFINITION INPUT) in memory and prints the result object.
# HPCFLOW_BIN names the hpcflow binary. The payload limit is AWS's (256 KiB),
# which the corpus exercises; hpcflow itself has none by default.
set -u
definition=$1
input=$2
exec "${HPCFLOW_BIN:?set HPCFLOW_BIN to the hpcflow binary}" run "$definition" \
  --input "@$input" --json --payload-limit 262144 --state-dir "${HPCFLOW_CONFORMANCE_STATE:-${TMPDIR:-/tmp}/hpcflow-conformance}"
