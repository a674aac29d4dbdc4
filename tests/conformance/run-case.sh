#!/usr/bin/env bash
# Adapter between ../shared/conformance/run and hpcflow: runs one case
# (DEFINITION INPUT) in memory and prints the result object.
# HPCFLOW_BIN names the hpcflow binary.
set -u
definition=$1
input=$2
exec "${HPCFLOW_BIN:?set HPCFLOW_BIN to the hpcflow binary}" run "$definition" \
  --input "@$input" --json --state-dir "${HPCFLOW_CONFORMANCE_STATE:-${TMPDIR:-/tmp}/hpcflow-conformance}"
