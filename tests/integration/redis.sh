#!/bin/sh
# The Redis store between machines and through its faults: two
# sessionwrap instances behind two lighttpds share one redis-server
# (login on A, profile on B, logout on B, A's old cookie logged out, an
# in-flight request on A resurrects nothing; 20 clients across A and B on
# one session); Redis down at start, killed -9 under a write load and
# restarted (no 200 without its change stored), out of memory, a
# read-only replica, too slow, an ACL user and a wrong password: each a
# 503 with Retry-After and a log line naming the cause.  (A build without
# hiredis: redis_sessions.sh checks that store = redis is refused.)
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
redis_build_or_exit
# Durable, so that a kill -9 keeps what was acknowledged.
start_redis shared --appendonly yes --appendfsync always --enable-debug-command local ||
	notok "redis-server started"
SHARED="$REDIS_SOCK"
# rconf FILE [extra [redis] lines]: a config on the shared server
rconf() {
	f=$1; shift
	{
		printf '[server]\nworkers = %s\n[handler]\nroot = %s/cgi\ntimeout = 10s\n' "${WORKERS:-3}" "$T"
		printf '[session]\nsecret_file = %s/secret\nstore = redis\n[redis]\naddress = unix:%s\ntimeout = 1s\n' "$T" "${ADDR:-$SHARED}"
		cat
	} >"$f"
}

# --- two machines, one Redis ---------------------------------------------------
rconf "$T/a.ini" </dev/null
rconf "$T/b.ini" </dev/null
: >"$T/sessionwrap.log"
start_sw "$T/a.ini" "$T/a-sw.sock" || notok "sessionwrap A started"
start_lighttpd a socket "$T/a-sw.sock" </dev/null || notok "lighttpd A started"
A=$URL
start_sw "$T/b.ini" "$T/b-sw.sock" || notok "sessionwrap B started"
start_lighttpd b socket "$T/b-sw.sock" </dev/null || notok "lighttpd B started"
B=$URL
J="$T/jar"
URL=$A sreq "$J" "setkey.cgi?user=alice&role=admin" >/dev/null
old=$(awk '$6 == "session" {print $7}' "$J")
check "login on A: a cookie" [ -n "$old" ]
b=$(URL=$B sreq "$J" sess.cgi)
expect_match "profile on B: the session A wrote" '^SESSION_user=alice$' "$b"
expect_match "profile on B: REMOTE_USER" '^REMOTE_USER=alice$' "$b"
# An in-flight request on A: loaded now, commits after the logout on B.
curl -s -D "$T/inflight.h" -b "session=$old" "$A/setkey.cgi?sleep=2&zombie=1" -o "$T/inflight.out" &
INF=$!
sleep 0.5
URL=$B sreq "$J" "sess.cgi?$(hq 'X-Session-Clear: 1')" >/dev/null
expect_match "logout on B: cookie expired" '^Set-Cookie: session=; ' "$(hdr)"
b=$(curl -s -b "session=$old" "$A/sess.cgi")
expect_match "A, old cookie: logged out" '^SESSIONWRAP_NEW=1$' "$b"
expect_nomatch "A, old cookie: no user" '^SESSION_user' "$b"
wait "$INF"
expect_nomatch "the in-flight request on A sets no cookie" '^Set-Cookie' "$(tr -d '\r' <"$T/inflight.h")"
b=$(curl -s -b "session=$old" "$A/sess.cgi")
expect_match "... and resurrects nothing (old cookie still logged out)" '^SESSIONWRAP_NEW=1$' "$b"
expect_nomatch "... its key went nowhere" 'zombie' "$b"

# 20 clients, split across A and B, one session, each its own keys.
J="$T/shared"
URL=$A sreq "$J" "setkey.cgi?init=1" >/dev/null
c=1
CLIENTS=""
while [ $c -le 20 ]; do
	if [ $((c % 2)) -eq 0 ]; then u=$A; else u=$B; fi
	client_writes "$c" "$u" 5 &
	CLIENTS="$CLIENTS $!"
	c=$((c + 1))
done
for p in $CLIENTS; do wait "$p"; done
final=$(URL=$B sreq "$J" sess.cgi)
missing=0
c=1
while [ $c -le 20 ]; do
	last=$(tail -n 1 "$T/committed.$c" 2>/dev/null)
	[ "$last" = "c$c=5" ] || { echo "# client $c: last committed '$last'"; missing=$((missing + 1)); }
	printf '%s\n' "$final" | grep -qx "SESSION_$last" || { echo "# client $c: $last lost"; missing=$((missing + 1)); }
	c=$((c + 1))
done
expect_eq "20 clients across A and B on one session: every last write there" 0 "$missing"
expect_nomatch "no commit gave up (too many concurrent writers)" 'kept changing' "$(cat "$T/sessionwrap.log")"
keys=$(REDIS_SOCK=$SHARED rcli --scan --pattern 'sessionwrap:*' | head -n 1)
check "keys are prefix + 64 hex (no session id)" sh -c "printf '%s' '$keys' | grep -Eqx 'sessionwrap:[0-9a-f]{64}'"

# --- kill -9 of Redis during a write load, and a restart ------------------------
rm -f "$T"/committed.* "$T"/codes.*
c=1
CLIENTS=""
while [ $c -le 6 ]; do
	if [ $((c % 2)) -eq 0 ]; then u=$A; else u=$B; fi
	(
		j="$T/crash-jar.$c"
		i=1
		while [ $i -le 30 ]; do
			code=$(curl -s -o /dev/null -w '%{http_code}' -b "$j" -c "$j" "$u/setkey.cgi?k$i=$i")
			echo "$code" >>"$T/codes.$c"
			[ "$code" = 200 ] && echo "k$i=$i" >>"$T/committed.$c"
			sleep 0.05
			i=$((i + 1))
		done
	) &
	CLIENTS="$CLIENTS $!"
	c=$((c + 1))
done
sleep 0.7
kill -KILL "$REDIS_PID"
sleep 1
start_redis shared --appendonly yes --appendfsync always --enable-debug-command local ||
	notok "redis-server restarted"
for p in $CLIENTS; do wait "$p"; done
lost=0
total=0
c=1
while [ $c -le 6 ]; do
	if [ $((c % 2)) -eq 0 ]; then u=$B; else u=$A; fi
	got=$(URL=$u sreq "$T/crash-jar.$c" sess.cgi)
	for kv in $(cat "$T/committed.$c" 2>/dev/null); do
		total=$((total + 1))
		printf '%s\n' "$got" | grep -qx "SESSION_$kv" || { lost=$((lost + 1)); echo "# client $c lost $kv"; }
	done
	c=$((c + 1))
done
echo "# $total changes got a 200; $(cat "$T"/codes.* | grep -c 503) got a 503"
check "Redis killed: some requests got 503" grep -q 503 $(ls "$T"/codes.*)
check "... and the load went on after the restart" [ "$total" -gt 60 ]
expect_eq "kill -9 of Redis: every change that got a 200 is there" 0 "$lost"
broken=0
for k in $(rcli --scan --pattern 'sessionwrap:*'); do
	[ "$(rcli --raw GETRANGE "$k" 8 11)" = SWR2 ] || broken=$((broken + 1))
done
expect_eq "every record decodes (starts with a whole header)" 0 "$broken"
grep -o 'session store: redis [^;]*' "$T/sessionwrap.log" | sed "s|$T|\$T|" | sort | uniq -c | sed 's/^/# /'
expect_nomatch "no record treated as absent" 'treated as absent' "$(cat "$T/sessionwrap.log")"
expect_match "the log names the cause" 'session store: redis unix:.*(closed the connection|Connection refused|No such file|Broken pipe|Connection reset)' "$(cat "$T/sessionwrap.log")"
expect_match "... and says it is back" 'connected again' "$(cat "$T/sessionwrap.log")"

# --- faults: each a 503 with Retry-After and a log line naming it --------------
J="$T/faults"
URL=$A sreq "$J" "setkey.cgi?f=0" >/dev/null
# fault NAME REGEX: a write now gets 503 + Retry-After, the log names REGEX
fault() {
	: >"$T/sessionwrap.log"
	code=$(curl -s -D "$T/fh" -o /dev/null -w '%{http_code}' -b "$J" "$A/setkey.cgi?f=$1")
	expect_eq "$1: 503" 503 "$code"
	expect_match "$1: Retry-After" '^Retry-After: [0-9]+' "$(tr -d '\r' <"$T/fh")"
	wait_for grep -Eq "$2" "$T/sessionwrap.log"
	expect_match "$1: the log names the cause" "$2" "$(cat "$T/sessionwrap.log")"
	expect_match "$1: the log names the script" "script $T/cgi/setkey.cgi: (session not committed|the session store is unavailable)" "$(cat "$T/sessionwrap.log")"
}
# write_again URL JAR QUERY: the HTTP status of a session write, tried
# until it is 200 or 10 s have passed (the workers connect again once
# their backoff, at most 2 s, is over)
write_again() {
	i=0
	while code=$(curl -s -o /dev/null -w '%{http_code}' -b "$2" -c "$2" "$1/setkey.cgi?$3"); \
	      [ "$code" != 200 ] && [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	echo "$code"
}
# after NAME: the fault gone, writes work again (once the backoff is over)
after() {
	code=$(write_again "$A" "$J" "f=$1")
	expect_eq "$1 gone: 200 again" 200 "$code"
	expect_match "$1 gone: the write is there" "^SESSION_f=$1\$" "$(URL=$B sreq "$J" sess.cgi)"
}
rcli CONFIG SET maxmemory 1 >/dev/null
fault oom 'OOM command not allowed'
rcli CONFIG SET maxmemory 0 >/dev/null
after oom
rcli REPLICAOF 127.0.0.1 1 >/dev/null
fault readonly 'READONLY'
rcli REPLICAOF NO ONE >/dev/null
after readonly
(rcli DEBUG SLEEP 3 >/dev/null &)
sleep 0.2
fault slow 'timed out \(\[redis\] timeout\)'
after slow
# A replica whose master is gone, told not to serve stale data.
rcli CONFIG SET replica-serve-stale-data no >/dev/null
rcli REPLICAOF 127.0.0.1 1 >/dev/null
fault masterdown 'MASTERDOWN'
rcli REPLICAOF NO ONE >/dev/null
rcli CONFIG SET replica-serve-stale-data yes >/dev/null
after masterdown
# A server loading its data set (DEBUG RELOAD, slowed down key by key):
# it answers LOADING meanwhile.
rcli DEBUG POPULATE 20000 swfill >/dev/null
rcli CONFIG SET key-load-delay 100 >/dev/null
rcli CONFIG SET loading-process-events-interval-bytes 1024 >/dev/null
rcli DEBUG RELOAD >/dev/null &
RELOAD=$!
wait_for sh -c "redis-cli -s '$REDIS_SOCK' PING | grep -q LOADING"
fault loading 'LOADING'
wait "$RELOAD"
rcli CONFIG SET key-load-delay 0 >/dev/null
after loading
# A password required now, and sessionwrap configured with none: its
# connections dropped, the new ones are refused.
rcli CONFIG SET requirepass 'now-required' >/dev/null
rcli -a now-required --no-auth-warning CLIENT KILL TYPE normal >/dev/null
fault noauth 'NOAUTH'
rcli -a now-required --no-auth-warning CONFIG SET requirepass '' >/dev/null
after noauth

# --- Redis down when sessionwrap starts -------------------------------------------
ADDR="$T/late.sock" rconf "$T/late.ini" </dev/null
: >"$T/sessionwrap.log"
start_sw "$T/late.ini" "$T/late-sw.sock" || notok "sessionwrap started"
check "Redis down at start: sessionwrap starts all the same" kill -0 "$SW_PID"
start_lighttpd late socket "$T/late-sw.sock" </dev/null || notok "lighttpd started"
L=$URL
expect_eq "a request that never touches a session still runs" 200 "$(status_of "$L/sess.cgi")"
code=$(curl -s -D "$T/lh" -o /dev/null -w '%{http_code}' -c "$T/late.jar" "$L/setkey.cgi?x=1")
expect_eq "a session write gets 503" 503 "$code"
expect_match "... with Retry-After" '^Retry-After: [0-9]+' "$(tr -d '\r' <"$T/lh")"
expect_match "the log names the server and the cause" "session store: redis unix:$T/late.sock: .*No such file" "$(cat "$T/sessionwrap.log")"
start_redis late || notok "late redis-server started"
code=$(write_again "$L" "$T/late.jar" x=2)
expect_eq "Redis up: the same request gets 200 (reconnected by itself)" 200 "$code"
expect_match "... and its write is there" '^SESSION_x=2$' "$(URL=$L sreq "$T/late.jar" sess.cgi)"

# --- an ACL user with a password file; a wrong password -----------------------------
start_redis acl --user sw on '>s3cret-pass' '~sessionwrap:*' '+@all' ||
	notok "redis-server with ACL started"
printf 's3cret-pass\n' >"$T/pw"; chmod 600 "$T/pw"
printf 'wrong-pass\n' >"$T/badpw"; chmod 600 "$T/badpw"
printf 'username = sw\npassword_file = %s/pw\n' "$T" | ADDR="$REDIS_SOCK" rconf "$T/acl.ini"
printf 'username = sw\npassword_file = %s/badpw\n' "$T" | ADDR="$REDIS_SOCK" rconf "$T/badacl.ini"
chmod 644 "$T/badpw"
out=$("$SW" -t -f "$T/badacl.ini" 2>&1)
expect_match "-t: a password file others may read is refused" 'password_file: .*badpw: group or others may access it' "$out"
chmod 600 "$T/badpw"
: >"$T/sessionwrap.log"
start_sw "$T/acl.ini" "$T/acl-sw.sock" || notok "sessionwrap (ACL) started"
start_lighttpd acl socket "$T/acl-sw.sock" </dev/null || notok "lighttpd (ACL) started"
expect_eq "ACL user sw with its password file: a write gets 200" 200 "$(status_of "$URL/setkey.cgi?y=1")"
start_sw "$T/badacl.ini" "$T/badacl-sw.sock" || notok "sessionwrap (wrong password) started"
start_lighttpd badacl socket "$T/badacl-sw.sock" </dev/null || notok "lighttpd (wrong password) started"
code=$(curl -s -D "$T/bh" -o /dev/null -w '%{http_code}' "$URL/setkey.cgi?y=1")
expect_eq "wrong password: 503" 503 "$code"
expect_match "wrong password: the log says so" 'WRONGPASS' "$(cat "$T/sessionwrap.log")"

# --- -t -----------------------------------------------------------------------------
out=$("$SW" -t -f "$T/a.ini" 2>&1)
expect_nomatch "-t with Redis up: no warning" 'cannot be reached' "$out"
expect_match "... configuration ok" 'configuration ok' "$out"
out=$("$SW" -t -f "$T/badacl.ini" 2>&1)
expect_match "-t with a wrong password: says the server refuses, and why" \
	"warning: the Redis server cannot be reached or refuses \\(redis unix:$T/acl.sock: WRONGPASS" "$out"
ADDR="$T/gone.sock" rconf "$T/gone.ini" </dev/null
out=$("$SW" -t -f "$T/gone.ini" 2>&1); rc=$?
expect_match "-t with Redis down: says it cannot be reached, naming the server and the cause" \
	"warning: the Redis server cannot be reached or refuses \\(redis unix:$T/gone.sock: No such file or directory\\); sessionwrap starts anyway" "$out"
expect_eq "... and passes (sessionwrap starts without Redis: the unit's ExecStartPre runs -t)" 0 "$rc"
printf 'sentinels = 127.0.0.1:1\n' | ADDR="$T/x.sock" rconf "$T/bad.ini"
printf 'address = tcp:nohost\n' >>"$T/bad.ini"
out=$("$SW" -t -f "$T/bad.ini" 2>&1)
expect_match "-t: address and sentinels together refused" '\[redis\] address: set address or sentinels, not both' "$out"
expect_match "-t: sentinels without master_name refused" '\[redis\] master_name: sentinels need' "$out"
printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\nstore = redis\n[redis]\naddress = tcp:nohost\ndb = 16\n' "$T" "$T" >"$T/bad2.ini"
out=$("$SW" -t -f "$T/bad2.ini" 2>&1)
expect_match "-t: a bad address refused" "\[redis\] address: 'tcp:nohost' is not" "$out"
expect_match "-t: db out of range refused" "\[redis\] db: '16' is not a whole number from 0 to 15" "$out"
out=$("$SW" --gc -f "$T/a.ini" 2>&1)
expect_match "--gc on Redis: nothing to do, Redis expires records itself" 'Redis expires records' "$out"
