#!/bin/sh
# Expiry of each kind (checked on read, not only by GC), GC, Secure over
# HTTPS, mod_session compatibility, secret files, key rotation.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
# touch_interval stays at its default, 1m, far above the timeouts: a
# session in use must still be touched in time.
write_session_config "$T/sw.ini" <<'EOF2'
idle_timeout = 3s
lifetime = 5s
absolute_timeout = 8s
refresh_each_request = off
compat_mod_session = on
tombstone_grace = 11s
EOF2
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"
getkey() { sreq "$1" sess.cgi | sed -n "s/^SESSION_$2=//p"; }

# The idle, permanent and absolute timeouts are waited for at the same
# time: each in a subshell of its own with its own cookie jar and header
# file, its lines kept in $T/part.NAME and printed in this order after.
# (Times on disk have whole seconds: a timeout of N s is N-1 to N s.)
# --- idle timeout (non-permanent) --------------------------------------------
(
	HF="$T/h.idle"
	sreq "$T/idle" "setkey.cgi?k=idle" >/dev/null
	sleep 1.5; expect_eq "idle: alive after 1.5s" idle "$(getkey "$T/idle" k)"
	sleep 1.5; expect_eq "idle: activity keeps it alive (touch)" idle "$(getkey "$T/idle" k)"
	sleep 4; expect_eq "idle: gone after 4s without a request" "" "$(getkey "$T/idle" k)"
) >"$T/part.idle" 2>&1 &
PARTS=$!

# --- permanent lifetime (sliding) ----------------------------------------------
# On a sessionwrap of its own, with more room between the idle timeout and
# the lifetime than the one above has (2 s and 7 s, not 3 s and 5 s: with
# whole seconds on disk, that left a window of one second for a check
# that must come after the one and before the other).
write_session_config "$T/perm.ini" <<'EOF2'
idle_timeout = 2s
lifetime = 7s
absolute_timeout = 20s
refresh_each_request = off
EOF2
main_pid=$SW_PID main_url=$URL
start_sw "$T/perm.ini" "$T/perm-sw.sock" || notok "sessionwrap (permanent) started"
start_lighttpd perm socket "$T/perm-sw.sock" </dev/null || notok "lighttpd (permanent) started"
perm_url=$URL
SW_PID=$main_pid URL=$main_url
(
	HF="$T/h.perm"
	URL=$perm_url
	sreq "$T/perm" "sess.cgi?$(hq 'X-Session-Set: k=perm')&$(hq 'X-Session-Permanent: 1')" >/dev/null
	expect_match "permanent: Max-Age = lifetime" 'Max-Age=7;' "$(hdr)"
	sleep 3.5; expect_eq "permanent: outlives the idle timeout" perm "$(getkey "$T/perm" k)"
	# refresh_each_request off: a read sends no cookie, a change sends it with
	# a new expiry (else the browser would drop a session in use at
	# creation + lifetime).
	sreq "$T/perm" sess.cgi >/dev/null
	answered "permanent, refresh off: a read" 200
	# (The cookie store keeps the last access in the cookie: a touch, due on
	# every request with a 7s lifetime, sends it again.)
	if [ "$SW_STORE" = cookie ]; then no=expect_match; else no=expect_nomatch; fi
	$no "permanent, refresh off: no cookie on a read (cookie store: a touch sends one)" '^Set-Cookie:' "$(hdr)"
	sreq "$T/perm" "setkey.cgi?k=perm" >/dev/null
	answered "... a change to the value it has" 200
	$no "... nor on a change to the value it has (cookie store: a touch sends one)" '^Set-Cookie:' "$(hdr)"
	sreq "$T/perm" "setkey.cgi?n=1" >/dev/null
	expect_match "... but on a change, with a new Max-Age (at most the lifetime)" '^Set-Cookie: session=.*Max-Age=[1-7];' "$(hdr)"
	sleep 8; expect_eq "permanent: gone after its lifetime without a request" "" "$(getkey "$T/perm" k)"
) >"$T/part.perm" 2>&1 &
PARTS="$PARTS $!"

# --- absolute timeout, whatever the activity -----------------------------------
(
	HF="$T/h.abs"
	# (Seconds counted by the clock, not by requests: on a loaded
	# machine each takes a while.)
	t0=$(date +%s)
	sreq "$T/abs" "setkey.cgi?k=abs" >/dev/null
	i=0; last=""
	while [ $i -lt 14 ]; do sleep 1; i=$((i + 1)); last=$(getkey "$T/abs" k); [ -z "$last" ] && break; done
	el=$(( $(date +%s) - t0 ))
	check "absolute timeout: kept alive by requests, still gone after ~8s (at ${el}s, $i requests)" [ -z "$last" -a $el -ge 6 -a $el -le 11 ]
) >"$T/part.abs" 2>&1 &
PARTS="$PARTS $!"
for p in $PARTS; do wait "$p"; done
cat "$T/part.idle" "$T/part.perm" "$T/part.abs"

# --- GC: expired records and old tombstones, whole store -----------------------
if [ "$SW_STORE" = cookie ]; then     # (no records: nothing to collect)
	out=$("$SW" --gc -f "$T/sw.ini" 2>&1)
	expect_match "cookie store: gc has nothing on the server to remove" 'nothing on the server to remove' "$out"
else
sleep 3
"$SW" --gc -f "$T/sw.ini" >/dev/null 2>&1     # what the tests above left
for n in 1 2 3; do sreq "$T/gc$n" "setkey.cgi?k=$n" >/dev/null; done
sreq "$T/gc1" "sess.cgi?$(hq 'X-Session-Clear: 1')" >/dev/null
nfiles() { store_count; }
check "records on disk before GC" [ "$(nfiles)" -ge 3 ]
out=$("$SW" --gc -f "$T/sw.ini" 2>&1)
if [ "$SW_STORE" = file ]; then
	expect_match "gc on live sessions removes none" '^removed 0 ' "$out"
	sleep 4
	out=$("$SW" --gc -f "$T/sw.ini" 2>&1)
	expect_match "gc removes expired records (prints the count)" '^removed [1-9][0-9]* ' "$out"
	# (the tombstone's grace, 11 s, ends 10 to 11 s from now)
	i=0
	while [ $i -lt 16 ]; do
		sleep 1; i=$((i + 1))
		"$SW" --gc -f "$T/sw.ini" >/dev/null 2>&1
		[ "$(nfiles)" = 0 ] && break
	done
else    # Redis expires records itself (their TTLs); --gc says so
	expect_match "gc on Redis: nothing to do, Redis expires records" 'Redis expires records' "$out"
	sleep 4
	check "Redis expired the idle records by their TTL" [ "$(nfiles)" -le 1 ]
	i=0
	while [ "$(nfiles)" != 0 ] && [ $i -lt 16 ]; do sleep 1; i=$((i + 1)); done
fi
expect_eq "after gc and the tombstone grace, the store is empty (${i}s after the last check)" 0 "$(nfiles)"
fi

# --- mod_session compatibility --------------------------------------------------
b=$(sreq "$T/compat" "sess.cgi?$(hq 'X-Replace-Session: colour=blue&size=L')")
b=$(sreq "$T/compat" "sess.cgi")
expect_match "X-Replace-Session sets keys" '^SESSION=colour=blue&size=L$' "$b"
expect_match "HTTP_SESSION like SESSION for mod_session scripts" '^HTTP_SESSION=colour=blue&size=L$' "$b"
sreq "$T/compat" "sess.cgi?$(hq 'X-Replace-Session: size=')" >/dev/null
expect_match "X-Replace-Session: an empty value removes the key" '^SESSION=colour=blue$' "$(sreq "$T/compat" sess.cgi)"
b=$(curl -s -H 'Session: colour=red' -b "$T/compat" "$URL/sess.cgi")
expect_match "a client's Session header cannot forge HTTP_SESSION" '^HTTP_SESSION=colour=blue$' "$b"

# --- secret files ------------------------------------------------------------------
head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/short"; chmod 600 "$T/short"
sed "s|^secret_file = .*|secret_file = $T/short|" "$T/sw.ini" >"$T/short.ini"
out=$("$SW" -t -f "$T/short.ini" 2>&1); rc=$?
expect_eq "a secret under 32 bytes is refused" 1 "$rc"
expect_match "... naming the file" "$T/short" "$out"
cp "$T/secret" "$T/open-secret"; chmod 644 "$T/open-secret"
sed "s|^secret_file = .*|secret_file = $T/open-secret|" "$T/sw.ini" >"$T/open.ini"
out=$("$SW" -t -f "$T/open.ini" 2>&1); rc=$?
expect_eq "a secret others can read is refused" 1 "$rc"
expect_match "... naming the file" "$T/open-secret" "$out"
"$SW" --keygen "$T/new-secret" >/dev/null
expect_eq "--keygen writes mode 0600" 600 "$(stat -c %a "$T/new-secret")"
out=$("$SW" --keygen "$T/new-secret" 2>&1); rc=$?
expect_eq "--keygen never overwrites" 1 "$rc"

# --- key rotation: secret_file signs, secret_fallbacks still verify -----------------
# The rotation and reload checks take longer than the short timeouts above
# on a loaded machine (the absolute timeout of 8 s ended their session):
# long ones from here on.
sed -i -e 's/^idle_timeout = .*/idle_timeout = 10m/' -e 's/^lifetime = .*/lifetime = 1h/' \
	-e 's/^absolute_timeout = .*/absolute_timeout = 1h/' "$T/sw.ini"
sw_reload || notok "sessionwrap reloaded or refused to within 10 s"
sreq "$T/rot" "setkey.cgi?k=rotated" >/dev/null
old_cookie=$(awk '$6 == "session" {print $7}' "$T/rot")
token() { sreq "$T/rot" sess.cgi | sed -n 's/^SESSIONWRAP_CSRF_TOKEN=//p'; }
old_token=$(token)
sed -i "s|^secret_file = .*|secret_file = $T/new-secret\nsecret_fallbacks = $T/secret|" "$T/sw.ini"
sw_reload || notok "sessionwrap reloaded or refused to within 10 s"
expect_eq "rotation: the old cookie still opens the session" rotated "$(getkey "$T/rot" k)"
new_cookie=$(awk '$6 == "session" {print $7}' "$T/rot")
check "rotation: the cookie is re-signed with the new secret" [ -n "$new_cookie" -a "$new_cookie" != "$old_cookie" ]
expect_eq "rotation: the CSRF token stays (forms already shown still post)" "$old_token" "$(token)"
sed -i "/^secret_fallbacks/d" "$T/sw.ini"
sw_reload || notok "sessionwrap reloaded or refused to within 10 s"
expect_eq "rotation: the re-signed cookie works without the fallback" rotated "$(getkey "$T/rot" k)"
expect_eq "rotation: the CSRF token stays after the fallback is retired" "$old_token" "$(token)"
b=$(curl -s -b "session=$old_cookie" "$URL/sess.cgi")
expect_match "rotation: a cookie of the retired secret is refused" '^SESSIONWRAP_NEW=1$' "$b"

# --- a reload whose secret workers cannot use is refused -----------------------
# (-t and a start refuse it; a reload that took it stopped every worker and
# every new one died at birth: no answers at all.)
workers_before=$(worker_pids "$SW_PID")
chmod 644 "$T/new-secret"
sw_reload || notok "sessionwrap reloaded or refused to within 10 s"
expect_match "reload with a group-readable secret: refused, naming the file" \
	"reload refused, keeping the running configuration: .*$T/new-secret.*group or others" "$(cat "$T/sessionwrap.log")"
expect_eq "... the running workers kept" "$workers_before" "$(worker_pids "$SW_PID")"
expect_eq "... sessions still served" rotated "$(getkey "$T/rot" k)"
expect_nomatch "... no worker died at birth" "worker [0-9]+ died" "$(cat "$T/sessionwrap.log")"
# A worker that dies now is replaced by one that uses the keys the master
# holds: it does not read the refused file.
kill -KILL "$(echo $workers_before | cut -d' ' -f1)"
wait_for sh -c "[ \$(pgrep -P $SW_PID | wc -l) -eq 2 ]"
sleep 1
expect_eq "a worker killed after the refused reload: its successor serves" rotated "$(getkey "$T/rot" k)"
expect_nomatch "... no worker died at birth" "worker [0-9]+ died \(exit" "$(cat "$T/sessionwrap.log")"
chmod 600 "$T/new-secret"
# Workers that cannot open the store die at birth: they are restarted at
# most about once a second, not in a fork bomb (time() seconds let ~24/s
# through).  (The cookie store opens nothing.)
if [ "$SW_STORE" = file ]; then     # file store only: a store that cannot open
	mv "$T/store" "$T/store.away"; : >"$T/store"
	kill -KILL "$(pgrep -P "$SW_PID" | head -n 1)"
	sleep 3
	deaths=$(grep -c "worker [0-9]* died (exit" "$T/sessionwrap.log")
	check "workers dying at birth are restarted at most ~1/s ($deaths in 3 s)" [ "$deaths" -ge 2 -a "$deaths" -le 6 ]
	# (Swapped back in one rename: a worker born between an rm and a mv
	# would make an empty store, and the mv put the old one inside it.)
	python3 -c 'import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if libc.renameat2(AT_FDCWD, sys.argv[1].encode(), AT_FDCWD, sys.argv[2].encode(), RENAME_EXCHANGE) != 0:
	sys.exit("renameat2: " + str(ctypes.get_errno()))' "$T/store.away" "$T/store" || notok "store swapped back"
	rm "$T/store.away"
elif [ "$SW_STORE" = redis ]; then    # Redis away is no reason to die: workers stay, sessions get 503
	kill -KILL "$REDIS_PID"
	kill -KILL "$(pgrep -P "$SW_PID" | head -n 1)"
	sleep 3
	deaths=$(grep -c "worker [0-9]* died (exit" "$T/sessionwrap.log")
	expect_eq "Redis away: no worker dies at birth" 0 "$deaths"
	expect_eq "Redis away: a session request gets 503" 503 "$(status_of "$URL/sess.cgi" -b "$T/rot")"
	start_redis redis || notok "redis-server restarted"
	sleep 2.5    # (the workers try again after their backoff, at most 2 s)
fi
wait_for sh -c "[ \$(pgrep -P $SW_PID | wc -l) -eq 2 ]"
expect_eq "store mended: the workers are all back" 2 "$(pgrep -P "$SW_PID" | wc -l | tr -d ' ')"

# --- Secure when the request came over HTTPS -------------------------------------
# Real TLS: lighttpd with mod_openssl and a self-signed certificate for
# 127.0.0.1, in front of the same sessionwrap; curl trusts that certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/tls.key" -out "$T/tls.crt" >/dev/null 2>&1 || notok "test certificate made"
cat "$T/tls.key" "$T/tls.crt" >"$T/tls.pem"
start_lighttpd https socket "$T/sw.sock" <<EOF2 || notok "TLS lighttpd started"
server.modules += ("mod_openssl")
ssl.engine = "enable"
ssl.pemfile = "$T/tls.pem"
EOF2
b=$(curl -s -D "$T/h" --cacert "$T/tls.crt" -c "$T/tls" "https://127.0.0.1:$PORT/setkey.cgi?k=1")
expect_match "a request over TLS is answered" '^set k=1$' "$b"
# (lighttpd speaks HTTP/2 over TLS to curl: header names in lower case)
expect_match "secure = auto: Secure on the cookie set over HTTPS" '^[Ss]et-[Cc]ookie: session=[^;]+; Path=/; Secure; HttpOnly; SameSite=Lax$' "$(hdr)"
b=$(curl -s --cacert "$T/tls.crt" -b "$T/tls" "https://127.0.0.1:$PORT/sess.cgi")
expect_match "the Secure cookie is sent back over HTTPS" '^SESSION=k=1$' "$b"

