#!/bin/sh
# sessionctl gc: a progress line on a terminal and only the summary off
# one; SIGINT stops it with the summary of what it did (exit 1) and the
# next run does the rest; sessionwrap --gc is the same; while clients
# write through lighttpd, gc in a loop and gc killed -9 in the middle
# lose nothing: every session a client committed holds its last value,
# and stats sees no broken record.
. "$SW_SRCDIR/tests/lib.sh"
CTL="$SW_BUILDDIR/src/sessionctl"
FILL="$SW_BUILDDIR/tests/tools/store_fill"

make_cgi_dir
write_session_config "$T/sw.ini" </dev/null
json_get() { "$CTL" -f "$T/sw.ini" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# --- progress on a terminal, nothing but the summary off one -----------------------
"$FILL" "$T/secret" "$T/store" 3000 2000 7200 || notok "store filled"
script -qec "$CTL -f $T/sw.ini gc" /dev/null >"$T/tty.out" 2>&1
expect_eq "on a terminal: done" 0 $?
expect_match "on a terminal: a progress line (scanned, removed, rate)" \
	'gc: [0-9]+ scanned, [0-9]+ removed, [0-9]+/s' "$(cat "$T/tty.out")"
expect_match "on a terminal: ... then the summary" '^.*removed 2000 expired records and tombstones \(3000 files looked at' \
	"$(tr '\r' '\n' <"$T/tty.out")"
"$FILL" "$T/secret" "$T/store" 2000 2000 7200
"$CTL" -f "$T/sw.ini" gc >"$T/gc.out" 2>"$T/gc.err"
expect_eq "off a terminal: done" 0 $?
expect_eq "off a terminal: one line, the summary" 1 "$(wc -l <"$T/gc.out")"
expect_match "off a terminal: ... of what it did" '^removed 2000 expired records and tombstones \(3000 files' "$(cat "$T/gc.out")"
expect_nomatch "off a terminal: no progress line" 'scanned' "$(cat "$T/gc.err")"
expect_eq "the live records stay" 1000 "$(json_get live)"

# --- SIGINT stops it after the record in hand ----------------------------------------
"$FILL" "$T/secret" "$T/store" 20000 20000 7200
before=$(json_get expired)
# A commit holding shard 80's lock stops GC there, with the shards
# before it done; SIGINT then, and the lock let go.
mkdir -p "$T/store/80"
flock "$T/store/80/.lock" sh -c "while [ ! -e '$T/release' ]; do sleep 0.1; done" &
HOLDER=$!
wait_for [ -e "$T/store/80/.lock" ]
"$CTL" -f "$T/sw.ini" gc >"$T/int.out" 2>"$T/int.err" &
GC=$!
# (up to 3 x 10 s on a slow machine)
wait_for sh -c "[ \$(ls '$T/store/7f' | grep -vc lock) -eq 0 ]" ||
	wait_for sh -c "[ \$(ls '$T/store/7f' | grep -vc lock) -eq 0 ]" ||
	wait_for sh -c "[ \$(ls '$T/store/7f' | grep -vc lock) -eq 0 ]"
kill -INT "$GC"
sleep 0.5
touch "$T/release"
wait "$GC"
expect_eq "SIGINT: exit 1" 1 $?
wait "$HOLDER"
expect_match "SIGINT: says so" 'stopped by SIGINT' "$(cat "$T/int.err")"
removed=$(sed -n 's/^removed \([0-9]*\) .*/\1/p' "$T/int.out")
check "SIGINT: a summary of what it removed ($removed of $before)" [ "${removed:-0}" -gt 0 -a "${removed:-0}" -lt "$before" ]
expect_eq "SIGINT: the rest is still there, whole" "$((before - removed)) 0" "$(json_get expired) $(json_get broken)"
"$CTL" -f "$T/sw.ini" gc >"$T/gc.out" 2>&1
expect_match "the next run removes the rest" "^removed $((before - removed)) " "$(cat "$T/gc.out")"
"$FILL" "$T/secret" "$T/store" 10 10 7200
"$SW" --gc -f "$T/sw.ini" >"$T/swgc.out" 2>/dev/null
expect_match "sessionwrap --gc: the same summary" '^removed 10 expired records and tombstones \(1010 files' "$(cat "$T/swgc.out")"

# --- under a write load, in a loop, and killed -9 in the middle ----------------------
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"
CLIENTS=""
for c in 1 2 3 4 5 6; do
	sreq "$T/jar.$c" "setkey.cgi?init=$c" >/dev/null
done
for c in 1 2 3 4 5 6; do
	( J="$T/jar.$c"; client_writes "$c" "$URL" 40 ) &
	CLIENTS="$CLIENTS $!"
done
runs=0 kills=0
while [ -n "$(for p in $CLIENTS; do kill -0 "$p" 2>/dev/null && echo x; done)" ]; do
	"$FILL" "$T/secret" "$T/store" 2000 2000 7200
	"$CTL" -f "$T/sw.ini" gc >/dev/null 2>&1 &
	GC=$!
	sleep 0.2
	kill -KILL "$GC" 2>/dev/null && kills=$((kills + 1))
	wait "$GC" 2>/dev/null
	"$CTL" -f "$T/sw.ini" gc >>"$T/loop.out" 2>&1 || notok "gc in the loop failed: $(tail -n 3 "$T/loop.out")"
	runs=$((runs + 1))
done
for p in $CLIENTS; do wait "$p"; done
echo "# $runs gc runs and $kills kill -9 of a gc while 6 clients wrote"
check "gc ran and was killed while the clients wrote" [ "$runs" -ge 1 -a "$kills" -ge 1 ]
lost=0
for c in 1 2 3 4 5 6; do
	last=$(tail -n 1 "$T/committed.$c" 2>/dev/null)
	got=$(sreq "$T/jar.$c" sess.cgi | grep -x "SESSION_$last")
	[ -n "$last" ] && [ -n "$got" ] || { echo "# client $c: last committed '$last', session says '$got'"; lost=$((lost + 1)); }
done
expect_eq "every client's last committed value is in its session" 0 "$lost"
"$CTL" -f "$T/sw.ini" gc >/dev/null 2>&1
expect_eq "stats: no broken record; live: the 1000 filled ones and the 6 clients'" "0 1006" "$(json_get broken) $(json_get live)"
