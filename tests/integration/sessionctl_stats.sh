#!/bin/sh
# sessionctl stats against stores whose contents the test made through
# lighttpd and curl: sessions expired by a short idle timeout, live ones,
# permanent ones, logged-out ones (tombstones), a broken record; text and
# --json (valid JSON, the same numbers), on the file store and on Redis;
# the cookie store says the server holds nothing.
. "$SW_SRCDIR/tests/lib.sh"
CTL="$SW_BUILDDIR/src/sessionctl"

make_cgi_dir
"$SW" --keygen "$T/secret" >/dev/null

# make_sessions NAME: with STORE set, E sessions last seen two hours ago
# (a file record's mtime is its last access: past the 30 min idle
# timeout), then N=3 live, M=2 permanent, K=2 logged out, through $URL;
# then L=3 logged in: alice on two devices, bob on one (U=2 users).
E=2 N=3 M=2 K=2 L=3 U=2
make_sessions() {
	if [ -n "${STORE:-}" ]; then
		for i in $(seq 1 $E); do sreq "$T/e$i-$1" "setkey.cgi?e=$i" >/dev/null; done
		expect_eq "$1: the expired ones made" $E "$(store_count)"
		store_records | xargs touch -m -d '2 hours ago'
	fi
	T0=$(date +%s)
	for i in $(seq 1 $N); do sreq "$T/n$i-$1" "setkey.cgi?n=$i" >/dev/null; done
	for i in $(seq 1 $M); do
		sreq "$T/m$i-$1" "sess.cgi?$(hq 'X-Session-Set: m=1')&$(hq 'X-Session-Permanent: 1')" >/dev/null
	done
	for i in $(seq 1 $K); do
		sreq "$T/k$i-$1" "setkey.cgi?k=$i" >/dev/null
		sreq "$T/k$i-$1" "sess.cgi?$(hq 'X-Session-Clear: 1')" >/dev/null
	done
	for u in alice alice bob; do
		sreq "$T/u$u$(date +%N)-$1" "setkey.cgi?user=$u" >/dev/null
	done
	T1=$(date +%s)
}

# json_get FILE KEY: a number (or null) of stats --json output
json_get() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print("null" if v is None else v)' "$1" "$2"; }
# text_get LABEL: the number after LABEL in the text output
text_get() { sed -n "s/^$1  *\([0-9]*\).*/\1/p" "$T/stats.txt"; }

# --- file store ----------------------------------------------------------------
STORE="$T/store" write_session_config "$T/sw.ini" </dev/null
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"
STORE=$T/store make_sessions file
# A record file a crash or a stranger left: a record's name, no header.
mkdir -p "$T/store/ab"
printf 'not a record' >"$T/store/ab/ab$(printf '%062d' 0)"
"$CTL" -f "$T/sw.ini" stats >"$T/stats.txt" 2>"$T/stats.err"
expect_eq "stats: done" 0 $?
"$CTL" -f "$T/sw.ini" stats --json >"$T/stats.json" 2>>"$T/stats.err"
expect_eq "stats --json: done" 0 $?
check "stats --json: valid JSON" python3 -m json.tool "$T/stats.json"
expect_eq "live sessions: the live, permanent and logged-in ones" $((N + M + L)) "$(text_get 'live sessions')"
expect_eq "logged-in users: alice and bob" $U "$(text_get 'logged-in users')"
expect_eq "permanent ones" $M "$(text_get '  of them permanent')"
expect_eq "tombstones: the logged-out ones" $K "$(text_get tombstones)"
expect_eq "expired, awaiting gc: those past the idle timeout" $E "$(text_get 'expired, awaiting gc')"
expect_eq "broken records" 1 "$(text_get 'broken records')"
for k in live:$((N + M + L)) users:$U permanent:$M tombstones:$K expired:$E broken:1 temp_files:0; do
	expect_eq "--json: ${k%%:*}" "${k#*:}" "$(json_get "$T/stats.json" "${k%%:*}")"
done
disk=$(find "$T/store" -path "$T/store/users" -prune -o -type f ! -name .lock -printf '%b\n' | awk '{s += $1 * 512} END {print s}')
expect_eq "bytes on disk: the records' blocks" "$disk" "$(text_get 'bytes on disk')"
expect_eq "--json: bytes" "$disk" "$(json_get "$T/stats.json" bytes)"
old=$(json_get "$T/stats.json" oldest_created)
new=$(json_get "$T/stats.json" newest_created)
check "oldest/newest: the live sessions' creation times ($old, $new in $T0..$T1)" \
	[ "$old" -ge "$T0" ] && [ "$new" -le "$T1" ] && [ "$old" -le "$new" ]
expect_match "text: the oldest as a UTC date" "^oldest session  *$(date -u -d "@$old" '+%Y-%m-%d %H:%M:%S') UTC" "$(cat "$T/stats.txt")"
expect_eq "no complaint on stderr" "" "$(cat "$T/stats.err")"
# GC takes away what stats called expired, nothing else.
"$CTL" -f "$T/sw.ini" gc >"$T/gc.out" 2>&1
expect_match "gc removes the expired ones" "^removed $E " "$(cat "$T/gc.out")"
"$CTL" -f "$T/sw.ini" stats --json >"$T/stats.json"
expect_eq "after gc: expired 0" 0 "$(json_get "$T/stats.json" expired)"
expect_eq "after gc: live as before" $((N + M + L)) "$(json_get "$T/stats.json" live)"
expect_eq "stats with an argument: usage" 2 "$("$CTL" -f "$T/sw.ini" stats now >/dev/null 2>&1; echo $?)"
kill "$LIGHTTPD_PID" "$SW_PID"; wait "$LIGHTTPD_PID" "$SW_PID" 2>/dev/null

# --- cookie store: nothing on the server ------------------------------------------
printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\nstore = cookie\n' "$T" "$T" >"$T/cookie.ini"
out=$("$CTL" -f "$T/cookie.ini" stats 2>&1)
expect_eq "cookie store: done" 0 $?
expect_match "cookie store: says the server holds nothing" "nothing to count" "$out"
"$CTL" -f "$T/cookie.ini" stats --json >"$T/cookie.json"
check "cookie store --json: valid JSON" python3 -m json.tool "$T/cookie.json"
expect_eq "cookie store --json: no server state" False "$(json_get "$T/cookie.json" server_state)"

# --- Redis -----------------------------------------------------------------------
redis_build_or_exit
start_redis stats || notok "redis-server started"
printf '[server]\nworkers = 2\n[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\nstore = redis\n[redis]\naddress = unix:%s\nprefix = st*:\n' \
	"$T" "$T" "$REDIS_SOCK" >"$T/redis.ini"
start_sw "$T/redis.ini" "$T/r.sock" || notok "sessionwrap (redis) started"
start_lighttpd r socket "$T/r.sock" </dev/null || notok "lighttpd (redis) started"
STORE= make_sessions redis
rcli SET 'st*:other' x >/dev/null          # not a record name: not ours
rcli SET "st*:ab$(printf '%062d' 0)" 'not a record' >/dev/null
rcli SET "nost:ab$(printf '%062d' 1)" 'not under the prefix' >/dev/null
"$CTL" -f "$T/redis.ini" stats >"$T/stats.txt" 2>"$T/stats.err"
expect_eq "redis stats: done" 0 $?
"$CTL" -f "$T/redis.ini" stats --json >"$T/stats.json"
check "redis stats --json: valid JSON" python3 -m json.tool "$T/stats.json"
for k in live:$((N + M + L)) users:$U permanent:$M tombstones:$K expired:0 broken:1; do
	expect_eq "redis --json: ${k%%:*}" "${k#*:}" "$(json_get "$T/stats.json" "${k%%:*}")"
done
expect_eq "redis text: live" $((N + M + L)) "$(text_get 'live sessions')"
expect_match "redis text: expired is 0, and says why" "^expired, awaiting gc  *0 \\(Redis removes expired records itself\\)" "$(cat "$T/stats.txt")"
check "redis: bytes of the values" [ "$(json_get "$T/stats.json" bytes)" -gt 0 ]
