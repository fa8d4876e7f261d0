#!/bin/sh
# No lost updates, no serialisation: 20 clients share one session and each
# sets its own keys many times while a slow request of the same session is
# in flight; every committed key must be there at the end.  Then kill -9
# workers during a write load: every record still decodes and every change
# that got a 200 is there.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
# (The slow request below waits for the clients: however slow the
# machine, it must not reach the timeout first.)
WORKERS=6 TIMEOUT=120s write_session_config "$T/sw.ini" <<'EOF2'
fsync = on
EOF2
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"

J="$T/jar"
sreq "$J" "setkey.cgi?init=1" >/dev/null
check "a shared session exists" grep -q session "$J"

# The slow request loads the session now and commits only once the
# clients are done (the file release, or 90 s): its view is old.
curl -s -b "$J" -c "$T/slow.jar" "$URL/setkey.cgi?waitfor=release&slow=done" -o "$T/slow.out" &
SLOW=$!
# (Its output goes nowhere: its sleep, left behind when it is killed,
# must not hold open the pipe that redis_sessions.sh and
# cookie_sessions.sh read this test's lines from, for 90 s.)
( sleep 90; touch "$T/cgi/release" ) >/dev/null 2>&1 &
WATCHDOG=$!
sleep 0.5
t0=$(date +%s)
c=1
while [ $c -le 20 ]; do
	client_writes "$c" "$URL" 10 &
	CLIENTS="${CLIENTS:-} $!"
	c=$((c + 1))
done
wait_clients() { for p in $CLIENTS; do wait "$p"; done; CLIENTS=""; }
wait_clients
t1=$(date +%s)
kill -0 "$SLOW" 2>/dev/null; slow_still_running=$?
touch "$T/cgi/release"
wait "$SLOW"
kill "$WATCHDOG" 2>/dev/null
echo "# 200 requests of 20 parallel clients took $((t1 - t0))s while a request of the same session was in flight"
check "the clients were not serialised behind the slow request" [ "$(cat "$T/slow.out")" = "set slow=done" ]
check "... they all finished while it was still in flight" [ "$slow_still_running" -eq 0 ]
if [ "$SW_STORE" = cookie ]; then
	# No server state, no merge (sessionwrap.ini(5), WHICH STORE): each
	# answer's cookie holds only its own change on the session its
	# request carried, and the slow request's, the last a browser would
	# keep, holds none of the clients' 200 committed changes.
	all=0
	for c in $(seq 1 20); do [ "$(tail -n 1 "$T/committed.$c" 2>/dev/null)" = "c$c=10" ] && all=$((all + 1)); done
	expect_eq "cookie store: every client's writes were answered 200" 20 "$all"
	final=$(sreq "$T/slow.jar" sess.cgi)
	expect_match "cookie store: the last cookie holds the slow request's key" '^SESSION_slow=done$' "$final"
	expect_match "cookie store: ... on the session it began with" '^SESSION_init=1$' "$final"
	expect_nomatch "cookie store: ... and every overlapping change is lost (documented)" '^SESSION_c[0-9]' "$final"
else
	final=$(sreq "$J" sess.cgi)
	missing=0
	c=1
	while [ $c -le 20 ]; do
		last=$(tail -n 1 "$T/committed.$c" 2>/dev/null)
		[ "$last" = "c$c=10" ] || { echo "# client $c: last committed '$last'"; missing=$((missing + 1)); }
		printf '%s\n' "$final" | grep -qx "SESSION_$last" || { echo "# client $c: $last lost"; missing=$((missing + 1)); }
		c=$((c + 1))
	done
	expect_eq "every client's last committed value survived (20 clients x 10 writes)" 0 "$missing"
	expect_match "the slow request's key merged in" '^SESSION_slow=done$' "$final"
	expect_match "the slow request did not wipe what others wrote" '^SESSION_init=1$' "$final"
fi

# --- kill -9 during a write load ---------------------------------------------
rm -f "$T"/committed.*
c=1
while [ $c -le 8 ]; do
	(
		j="$T/crash-jar.$c"
		i=1
		while [ $i -le 40 ]; do
			code=$(curl -s -o /dev/null -w '%{http_code}' -b "$j" -c "$j" "$URL/setkey.cgi?k$i=$i")
			[ "$code" = 200 ] && echo "k$i=$i" >>"$T/committed.$c"
			i=$((i + 1))
		done
	) &
	CLIENTS="$CLIENTS $!"
	c=$((c + 1))
done
kills=0
while [ $kills -lt 25 ]; do
	sleep 0.15
	victim=$(pgrep -P "$SW_PID" | shuf -n 1)
	[ -n "$victim" ] && kill -KILL "$victim" 2>/dev/null && kills=$((kills + 1))
done
wait_clients
echo "# killed $kills workers during the load"
lost=0
total=0
c=1
while [ $c -le 8 ]; do
	got=$(sreq "$T/crash-jar.$c" sess.cgi)
	for kv in $(cat "$T/committed.$c" 2>/dev/null); do
		total=$((total + 1))
		printf '%s\n' "$got" | grep -qx "SESSION_$kv" || { lost=$((lost + 1)); echo "# client $c lost $kv"; }
	done
	c=$((c + 1))
done
echo "# $total changes got a 200"
check "some writes succeeded despite the kills" [ "$total" -gt 40 ]
expect_eq "every change that got a 200 is there" 0 "$lost"
expect_nomatch "no record was broken (none 'treated as absent')" 'treated as absent' "$(cat "$T/sessionwrap.log")"
if [ "$SW_STORE" != cookie ]; then     # (no records on the cookie store)
	broken=0
	for f in $(store_records); do
		# (A Redis value starts with the 8-byte last access.)
		if [ "$SW_STORE" = redis ]; then magic=$(rcli --raw GETRANGE "$f" 8 11)
		else magic=$(head -c 4 "$f"); fi
		[ "$magic" = SWR2 ] || broken=$((broken + 1))
	done
	expect_eq "every record file starts with a whole header" 0 "$broken"
fi
