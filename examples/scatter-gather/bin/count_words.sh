#!/usr/bin/env bash
# CountWords (one Map item): lines, words and bytes of one file, as wc counts them.
# Environment: FILE.  Result: {"file", "lines", "words", "bytes"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need FILE
[ -f "$FILE" ] || die "no such file: $FILE"
read -r lines words bytes < <(wc -lwc <"$FILE")
log "$FILE: $words words"
result "{\"file\":$(json_str "$FILE"),\"lines\":$lines,\"words\":$words,\"bytes\":$bytes}"
