#!/usr/bin/env bash
# Load (issue: "10,000 callbacks sent concurrently over loopback are all
# recorded exactly once"): a 10,000-item Map waits for 10,000 task tokens;
# four curl processes send all the callbacks, about 1,200 at a time; then
# sends them all again, which must change nothing.
#   callback_load_test.sh HPCFLOW [ITEMS]
E2E_DEADLINE_S=540
source "$(dirname "$0")/lib.sh" "$@"
ITEMS=${2:-10000}
command -v curl >/dev/null || die "this test needs curl"

e2e_state_dir STATE
start_server "$STATE"
wait_until 10 "server.url" test -s "$STATE/server.url" || die "no server.url"
URL=$(cat "$STATE/server.url")

jq -n --argjson n "$ITEMS" '{items: [range($n)]}' >"$STATE/input.json"
ID=$("$HPCFLOW" submit "$E2E_WORKFLOWS/token_fanout.yaml" --backend fake --input "@$STATE/input.json" \
  --state-dir "$STATE")
[ -n "$ID" ] || die "submit failed"
count_inputs() { find "$STATE/executions" -name input.json -path '*tasks*' 2>/dev/null | wc -l; }
wait_until 300 "$ITEMS tasks to be submitted" eval '[ "$(count_inputs)" -ge "$ITEMS" ]' ||
  die "only $(count_inputs) tasks were submitted"
log "$ITEMS tasks wait for their tokens"

# One request per task: the token from the task's input, the item as output.
BODIES=$STATE/bodies
mkdir -p "$BODIES"
# Four curl configurations, one per sender process (curl keeps some 300
# transfers in flight each).
SENDERS=4
find "$STATE/executions" -name input.json -path '*tasks*' -print0 |
  xargs -0 jq -c '{token: .Token, output: {item: .Item}}' |
  awk -v dir="$BODIES" -v url="$URL/v1/tasks/success" -v senders=$SENDERS -v state="$STATE" '
    { file = dir "/" NR ".json"; print > file; close(file)
      config = state "/curl." (NR % senders) ".config"
      if (NR > senders) print "next" > config
      printf "url = \"%s\"\ndata-binary = \"@%s\"\nheader = \"Content-Type: application/json\"\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code} %%{errormsg}\\n\"\n", url, file > config }'

# 1,000 connections at once need more descriptors than the usual 1,024.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
send_all() {  # -> one "HTTP status [error]" per line
  local i pids=()
  for ((i = 0; i < SENDERS; i++)); do
    curl -sS --no-progress-meter --parallel --parallel-immediate --parallel-max 1000 \
      -K "$STATE/curl.$i.config" >"$STATE/codes.part$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  cat "$STATE"/codes.part*
}
answered_200() { grep -c '^200 ' "$1"; }
T0=$(now_ms)
send_all >"$STATE/codes1"
T1=$(now_ms)
log "sent $ITEMS callbacks in $((T1 - T0)) ms"
expect_eq "every callback was answered 200" "$ITEMS" "$(answered_200 "$STATE/codes1")"
grep -v '^200 ' "$STATE/codes1" | sort | uniq -c | head -5 >&2
expect_eq "the execution succeeded" SUCCEEDED "$(wait_final "$STATE" "$ID" 120)"
"$HPCFLOW" status "$ID" --json --state-dir "$STATE" >"$STATE/status.json"
expect_eq "every item has its own callback's output, in order" true \
  "$(jq --argjson n "$ITEMS" '[.output[].item] == [range($n)]' "$STATE/status.json")"
count_succeeded() {
  "$HPCFLOW" history "$ID" --json --state-dir "$STATE" | jq '[.[] | select(.type == "TaskSucceeded")] | length'
}
expect_eq "each callback recorded exactly once" "$ITEMS" "$(count_succeeded)"

send_all >"$STATE/codes2"
expect_eq "sent again: every one answered (duplicate, 200)" "$ITEMS" "$(answered_200 "$STATE/codes2")"
expect_eq "and nothing more was recorded" "$ITEMS" "$(count_succeeded)"

e2e_finish
