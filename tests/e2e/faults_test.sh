#!/usr/bin/env bash
# Faults of the environment and of the user (DESIGN.md §4.1, §7): each one
# gets the documented exit code and a clear message, and damages nothing.
#
#   faults_test.sh HPCFLOW [SUBTEST...]    SUBTEST: corrupt locked second_server
#                                          unknown invalid concurrent disk_full
#                                          (default: all but disk_full)
#
# corrupt        garbage over hpcflow.db: status, list, history, stop, submit
#                and server exit 3 naming the file, which is left untouched;
# locked         a write lock held by the sqlite3 shell, HPCFLOW_STORE_BUSY_MS=500:
#                submit exits 3 saying the store is locked; after the lock is
#                released submit works;
# second_server  a second server on the same state directory exits 5 naming
#                the first one's pid; the first keeps working;
# unknown        status, history and stop of an unknown execution exit 4;
# invalid        submit of invalid workflows exits 2 with FILE:LINE:COL
#                messages and creates no execution;
# concurrent     four submits at once on a fresh state directory (a script
#                looping over samples with `&`), twenty times: every one is
#                accepted and succeeds, and one server serves them all;
# disk_full      the state directory on a 2 MiB tmpfs: with the disk full,
#                submit exits 3 and the server stops (exit 3) with a clear
#                message instead of acting on unrecorded decisions; after space
#                is freed and the server restarted, the execution committed
#                before completes. Skipped (exit 77) if tmpfs cannot be mounted.
source "$(dirname "$0")/lib.sh" "$@"
shift
SUBTESTS=("$@")
[ ${#SUBTESTS[@]} -eq 0 ] && SUBTESTS=(corrupt locked second_server unknown invalid concurrent)

QUICK=$E2E_WORKFLOWS/quick.yaml

# run_cli OUT_PREFIX ARGS...: runs hpcflow with a time limit; stdout, stderr
# and the exit code go to OUT_PREFIX.{out,err,rc}.
run_cli() {
  local prefix=$1
  shift
  timeout 60 "$HPCFLOW" "$@" >"$prefix.out" 2>"$prefix.err"
  echo $? >"$prefix.rc"
}

# expect_exit DESCRIPTION CODE PREFIX
expect_exit() {
  local rc
  rc=$(cat "$3.rc")
  if [ "$rc" == "$2" ]; then
    log "ok: $1 exits $2"
  else
    fail "$1: expected exit $2, got $rc; stderr: $(head -c 500 "$3.err")"
  fi
}

# expect_stderr DESCRIPTION PREFIX GREP_ARGS...
expect_stderr() {
  local what=$1 prefix=$2
  shift 2
  if grep -q "$@" "$prefix.err"; then
    log "ok: $what"
  else
    fail "$what: stderr was: $(head -c 500 "$prefix.err")"
  fi
}

sub_corrupt() {
  log "--- corrupt store"
  local D sum_before sum_after cmd
  e2e_state_dir D
  "$HPCFLOW" list --state-dir "$D" >/dev/null || die "cannot create a store"
  rm -f "$D/hpcflow.db-wal" "$D/hpcflow.db-shm"
  yes 'this is not an SQLite database' | head -c 20000 >"$D/hpcflow.db"
  sum_before=$(sha256sum <"$D/hpcflow.db")
  run_cli "$D/status" status 0123-no-such --state-dir "$D"
  run_cli "$D/list" list --json --state-dir "$D"
  run_cli "$D/history" history 0123-no-such --state-dir "$D"
  run_cli "$D/stop" stop 0123-no-such --state-dir "$D"
  run_cli "$D/submit" submit "$QUICK" --state-dir "$D"
  run_cli "$D/server" server --state-dir "$D"
  for cmd in status list history stop submit server; do
    expect_exit "$cmd on a corrupt store" 3 "$D/$cmd"
    expect_stderr "$cmd names the corrupt file" "$D/$cmd" -F "$D/hpcflow.db"
  done
  expect_stderr "the message says what is wrong" "$D/status" -i -e corrupt -e "not a database"
  check "submit printed nothing on stdout" test ! -s "$D/submit.out"
  sum_after=$(sha256sum <"$D/hpcflow.db")
  expect_eq "the corrupt file is left untouched" "$sum_before" "$sum_after"
  expect_eq "no server runs on the corrupt store" "" "$(server_pid "$D")"
}

sub_locked() {
  log "--- locked store"
  local D holder
  e2e_state_dir D
  "$HPCFLOW" list --state-dir "$D" >/dev/null || die "cannot create a store"
  mkfifo "$D/sqlite.fifo"
  sqlite3 "$D/hpcflow.db" <"$D/sqlite.fifo" >"$D/sqlite.out" 2>&1 &
  holder=$!
  E2E_EXTRA_PIDS+=("$holder")
  exec 7>"$D/sqlite.fifo"
  printf "BEGIN EXCLUSIVE;\nSELECT 'lock-held';\n" >&7
  wait_until 30 "sqlite3 to take the lock" grep -q lock-held "$D/sqlite.out" ||
    die "sqlite3 did not take the lock: $(cat "$D/sqlite.out")"
  local t0
  t0=$(now_ms)
  HPCFLOW_STORE_BUSY_MS=500 run_cli "$D/submit_locked" submit "$QUICK" --state-dir "$D"
  log "submit on a locked store returned after $(( $(now_ms) - t0 )) ms"
  expect_exit "submit on a locked store" 3 "$D/submit_locked"
  expect_stderr "submit says the store is locked" "$D/submit_locked" -i -e lock -e busy
  check "submit printed no id" test ! -s "$D/submit_locked.out"
  expect_eq "no server was started for a refused submit" "" "$(server_pid "$D")"
  printf "COMMIT;\n.quit\n" >&7
  exec 7>&-
  wait_until 30 "sqlite3 to exit" eval "! pid_alive $holder" || die "sqlite3 did not exit"
  expect_eq "the refused submit created no execution" 0 \
    "$("$HPCFLOW" list --json --state-dir "$D" | jq length)"
  HPCFLOW_STORE_BUSY_MS=500 run_cli "$D/submit_free" submit "$QUICK" --state-dir "$D" \
    --input '{"n": 1}' --wait --json
  expect_exit "submit once the lock is released" 0 "$D/submit_free"
  expect_eq "and its execution succeeds" '{"status":"SUCCEEDED","output":{"echoed":{"n":1}}}' \
    "$(jq -c . "$D/submit_free.out")"
}

sub_second_server() {
  log "--- second server"
  local D first
  e2e_state_dir D
  start_server "$D"
  first=$SERVER_PID
  run_cli "$D/second" server --state-dir "$D"
  expect_exit "a second server on the same state directory" 5 "$D/second"
  expect_stderr "the message names the first server's pid ($first)" "$D/second" -E "\\b$first\\b"
  expect_eq "the first server still holds the lock" "$first" "$(server_pid "$D")"
  run_cli "$D/submit" submit "$QUICK" --state-dir "$D" --input '{"after": "second"}' \
    --wait --json
  expect_exit "submit to the first server" 0 "$D/submit"
  expect_eq "the first server ran it" '{"status":"SUCCEEDED","output":{"echoed":{"after":"second"}}}' \
    "$(jq -c . "$D/submit.out")"
  expect_eq "and it is still the only server" "$first" "$(server_pid "$D")"
}

sub_unknown() {
  log "--- unknown execution"
  local D cmd
  e2e_state_dir D
  "$HPCFLOW" list --state-dir "$D" >/dev/null || die "cannot create a store"
  for cmd in status history stop; do
    run_cli "$D/$cmd" "$cmd" no-such-execution --state-dir "$D"
    expect_exit "$cmd of an unknown execution" 4 "$D/$cmd"
    expect_stderr "$cmd names the unknown execution" "$D/$cmd" -F no-such-execution
    run_cli "$D/$cmd-json" "$cmd" no-such-execution --json --state-dir "$D"
    expect_exit "$cmd --json of an unknown execution" 4 "$D/$cmd-json"
  done
  expect_eq "stop of an unknown execution started no server" "" "$(server_pid "$D")"
}

sub_invalid() {
  log "--- invalid workflows"
  local D f name
  e2e_state_dir D
  for f in "$E2E_WORKFLOWS"/invalid/*.yaml; do
    name=$(basename "$f" .yaml)
    run_cli "$D/$name" submit "$f" --state-dir "$D"
    expect_exit "submit of $name" 2 "$D/$name"
    check "$name: every message is FILE:LINE:COL: ..." \
      eval "[ -s '$D/$name.err' ] && ! grep -v -q -E '^$f:[0-9]+:[0-9]+: ' '$D/$name.err'"
    check "$name: submit printed nothing on stdout" test ! -s "$D/$name.out"
  done
  expect_stderr "unknown state type: located at its Type" "$D/unknown_type" \
    -F "$E2E_WORKFLOWS/invalid/unknown_type.yaml:5:5: "
  expect_stderr "unknown state type: names it" "$D/unknown_type" -F Frobnicate
  expect_stderr "missing Next: located at the Next" "$D/missing_next" \
    -F "$E2E_WORKFLOWS/invalid/missing_next.yaml:6:5: "
  expect_stderr "missing Next: names the missing state" "$D/missing_next" -F Missing
  expect_eq "no execution was created" "[]" \
    "$("$HPCFLOW" list --json --state-dir "$D" | jq -c .)"
  expect_eq "no server was started" "" "$(server_pid "$D")"
}

sub_concurrent() {
  log "--- concurrent submits on a fresh state directory"
  local D round i ok refused=0 pids
  for round in $(seq 1 20); do
    e2e_state_dir D
    pids=()
    for i in 1 2 3 4; do
      timeout 60 "$HPCFLOW" submit "$QUICK" --input "{\"i\": $i}" --state-dir "$D" --wait --json \
        >"$D/out$i" 2>"$D/err$i" &
      pids+=($!)
    done
    wait "${pids[@]}"
    ok=$(cat "$D"/out? | jq -r .status 2>/dev/null | grep -c SUCCEEDED)
    if [ "$ok" != 4 ]; then
      refused=$((refused + 1))
      log "round $round: $ok of 4 submits succeeded: $(grep -h -v -E '^[0-9a-f-]{36}$|started a server' "$D"/err? | sort | uniq -c | head -3)"
    fi
    e2e_kill_dir "$D"
    [ "$ok" == 4 ] && rm -rf "$D"
  done
  expect_eq "4 concurrent submits on a fresh state directory all succeed (rounds with a refusal)" \
    0 "$refused"
}

sub_disk_full() {
  log "--- full disk"
  local M D big id rc server_rc
  M=$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-e2e-tmpfs.XXXXXXXX")
  if ! mount -t tmpfs -o size=2m tmpfs "$M" 2>"$M.mount.err"; then
    log "SKIP disk_full: cannot mount a tmpfs here: $(cat "$M.mount.err")"
    rm -f "$M.mount.err"
    rmdir "$M"
    exit 77
  fi
  rm -f "$M.mount.err"
  E2E_MOUNTS+=("$M")
  E2E_STATE_DIRS+=("$M")
  D=$M/state
  e2e_state_dir OUT  # logs and exit codes: off the full disk
  "$HPCFLOW" list --state-dir "$D" >/dev/null || die "cannot create a store on the tmpfs"

  # The server, in a subshell that records its exit code.
  ( "$HPCFLOW" server --state-dir "$D" >>"$OUT/server1.log" 2>&1 </dev/null
    echo $? >"$OUT/server1.rc" ) &
  wait_until 30 "the server to start" eval '[ -n "$(server_pid "$D")" ]' || die "no server"

  # An execution with a 100 kB input: committed, started, then in a 3 s Wait.
  big=$OUT/big.json
  jq -n -c '{blob: ([range(10000)] | map("xxxxxxxxx") | join(","))}' >"$big"
  id=$("$HPCFLOW" submit "$E2E_WORKFLOWS/big_wait.yaml" --input "@$big" --state-dir "$D" \
    2>"$OUT/submit1.err")
  [ -n "$id" ] || die "submit failed: $(cat "$OUT/submit1.err")"
  wait_until 30 "the execution to enter its Wait" eval \
    '"$HPCFLOW" history "$id" --json --state-dir "$D" 2>/dev/null |
       jq -e "any(.[]; .type == \"WaitStateEntered\")" >/dev/null' || die "it never started"

  # Fill the disk.
  head -c 64M /dev/zero >"$M/filler" 2>/dev/null
  log "disk filled: $(df -k --output=avail "$M" | tail -n1 | tr -d ' ') KiB available"

  run_cli "$OUT/submit_full" submit "$QUICK" --state-dir "$D"
  expect_exit "submit on a full disk" 3 "$OUT/submit_full"
  expect_stderr "submit says the disk is full" "$OUT/submit_full" -i -e full -e "no space"
  check "submit on a full disk printed no id" test ! -s "$OUT/submit_full.out"

  # The Wait ends: the server cannot record the next decision, and stops.
  wait_until 60 "the server to stop on the full disk" test -s "$OUT/server1.rc" ||
    fail "the server kept running with a full disk"
  server_rc=$(cat "$OUT/server1.rc" 2>/dev/null)
  expect_eq "the server stops with exit 3 on a full disk" 3 "$server_rc"
  if grep -q -i -e full -e "no space" "$OUT/server1.log"; then
    log "ok: the server says the disk is full: $(grep -i -e full -e 'no space' "$OUT/server1.log" | tail -n1)"
  else
    fail "the server's log does not say the disk is full: $(tail -n 5 "$OUT/server1.log")"
  fi
  expect_eq "the execution is still RUNNING (nothing unrecorded was acted on)" RUNNING \
    "$(status_field "$D" "$id" status)"

  # Free the space and restart: the committed execution completes.
  rm -f "$M/filler"
  start_server "$D"
  rc=$(wait_final "$D" "$id" 60)
  expect_eq "after freeing space the committed execution SUCCEEDS" SUCCEEDED "$rc"
  expect_eq "with its output" 10000 "$(status_field "$D" "$id" output | jq .length)"
  expect_eq "the refused submit created no execution" 1 \
    "$("$HPCFLOW" list --json --state-dir "$D" | jq length)"
}

for t in "${SUBTESTS[@]}"; do
  case "$t" in
    corrupt | locked | second_server | unknown | invalid | concurrent | disk_full) "sub_$t" ;;
    *) die "unknown subtest $t" ;;
  esac
done

e2e_finish
