# shellcheck shell=bash
# Helpers shared by the jobs of the order-processing and scatter-gather
# examples (sourced, through their bin/lib.sh). The jobs get their inputs from
# the Environment the workflow sets with JSONPath, write their JSON result to
# $HPCFLOW_RESULT, and need no JSON tool.

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

need() {
  local v
  for v in "$@"; do
    [ -n "${!v+set}" ] || die "the job needs \$$v (set it in the Task's Environment)"
  done
}

# json_items JSON_ARRAY: the items of a flat JSON array, one a line: strings
# unescaped (\" \\ \/ \n \t), numbers and literals as written.
json_items() {
  printf '%s' "$1" | awk 'BEGIN { RS = "\001"; ORS = "" }
    {
      s = $0; n = length(s); i = 1; item = ""; instr = 0; have = 0
      while (i <= n) {
        c = substr(s, i, 1)
        if (instr) {
          if (c == "\\") {
            i++; e = substr(s, i, 1)
            item = item (e == "n" ? "\n" : e == "t" ? "\t" : e)
          } else if (c == "\"") instr = 0
          else item = item c
        } else if (c == "\"") { instr = 1; have = 1 }
        else if (c == "," || c == "]") { if (have) print item "\n"; item = ""; have = 0 }
        else if (c !~ /[][ \t\r\n]/) { item = item c; have = 1 }
        i++
      }
    }'
}

# json_str TEXT: TEXT as a JSON string, with its quotes.
json_str() {
  printf '"'
  printf '%s' "$1" | awk 'BEGIN { ORS = "" }
    { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/[\001-\037]/, "")
      if (NR > 1) print "\\n"; print }'
  printf '"'
}

result() {
  if [ -n "${HPCFLOW_RESULT:-}" ]; then printf '%s\n' "$1" >"$HPCFLOW_RESULT"; else printf '%s\n' "$1"; fi
}

