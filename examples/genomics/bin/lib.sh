# shellcheck shell=bash
# Helpers shared by the genomics job scripts (sourced, not run).
#
# The scripts take their inputs from environment variables and arguments that
# the workflow sets through the Task's Parameters (Environment, Command), so
# they need no JSON parser; they write their JSON result to $HPCFLOW_RESULT.

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# need VAR...: every VAR must be set and non-empty.
need() {
  local v
  for v in "$@"; do
    [ -n "${!v:-}" ] || die "the job needs \$$v (set it in the Task's Environment)"
  done
}

# json_strings JSON_ARRAY: the items of a flat JSON array of strings, one a
# line. The workflow passes lists (BAM and VCF paths, regions) as JSON arrays in
# the Environment; paths here never contain quotes, commas or backslashes.
json_strings() {
  printf '%s' "$1" | tr -d '[]\n' | tr ',' '\n' | sed -e 's/^ *"//' -e 's/" *$//' | grep -v '^$' || true
}

# json_escape: stdin as the body of a JSON string (no surrounding quotes).
json_escape() {
  awk 'BEGIN { ORS = "" }
       { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "");
         gsub(/[\001-\037]/, "");
         if (NR > 1) print "\\n"; print }'
}

# result JSON: the job's result (becomes .Result of the Task's output).
result() {
  if [ -n "${HPCFLOW_RESULT:-}" ]; then
    printf '%s\n' "$1" >"$HPCFLOW_RESULT"
  else
    printf '%s\n' "$1"
  fi
}

# maybe_fail STEP: the input option fail_step names a step that fails on
# every attempt (to show Retry giving up and the Catch path).
maybe_fail() {
  if [ "${FAIL_STEP:-}" = "$1" ]; then
    die "$1 failed on purpose (input fail_step: \"$1\"; attempt $(( ${ATTEMPT:-0} + 1 )))"
  fi
}
