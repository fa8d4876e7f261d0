#!/bin/sh
# Hostile and slow FastCGI peers (tests/fcgi_client.py on sessionwrap's
# socket, and nginx with the shipped snippet): a head that never comes,
# params over the limits, a body that stalls, an answer nobody reads.  One
# worker, so that a worker held for good would show as a request not
# served; [handler] timeout 3s bounds each.
. "$SW_SRCDIR/tests/lib.sh"

FC="python3 $SW_SRCDIR/tests/fcgi_client.py unix:$T/sw.sock"
LOG="$T/sessionwrap.log"
mkdir -p "$T/cgi"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nhello\\n"\n' >"$T/cgi/hello.cgi"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nwc -c\n' >"$T/cgi/count.cgi"
# 20 MB; its pid (= its process group) in big.pid.
printf '#!/bin/sh\necho $$ >big.pid\nprintf "Content-Type: application/octet-stream\\r\\n\\r\\n"\nhead -c 20000000 /dev/zero\n' >"$T/cgi/big.cgi"
# Sets a=QUERY_STRING; with "flood" in it, 2 MB to stderr before its body.
cat >"$T/cgi/setflood.cgi" <<'EOF2'
#!/bin/sh
echo $$ >flood.pid
printf 'X-Session-Set: a=%s\r\nContent-Type: text/plain\r\n\r\n' "$QUERY_STRING"
case $QUERY_STRING in *flood*) head -c 2000000 /dev/zero | tr '\0' e >&2 ;; esac
echo "a was $SESSION_a"
EOF2
chmod 755 "$T"/cgi/*.cgi
WORKERS=1 TIMEOUT=3s write_session_config "$T/sw.ini" </dev/null
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
master=$SW_PID

# pid_gone_within SECS PIDFILE: the process (group) is gone within SECS
pid_gone_within() {
	i=0
	while kill -0 "$(cat "$2")" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($1 * 10)) ] && return 1
		sleep 0.1
	done
}
hello() { $FC "$T/cgi/hello.cgi" --hold "${1:-10}" 2>/dev/null | tr -d '\r' | tail -n 1; }
worker() { pgrep -P "$master" | head -n 1; }
# closed_within LO HI FILE: the client that wrote FILE saw the connection
# closed after LO to HI seconds
closed_within() {
	s=$(sed -n 's/^closed after \([0-9]*\).*/\1/p' "$3")
	[ -n "$s" ] && [ "$s" -ge "$1" ] && [ "$s" -le "$2" ]
}
expect_eq "a normal request" hello "$(hello)"
w0=$(worker)

# --- a head that never comes ------------------------------------------
$FC "$T/cgi/hello.cgi" --begin-only --hold 20 >/dev/null 2>"$T/begin.err" &
BEGIN_PID=$!
wait_for grep -q "sent BEGIN_REQUEST" "$T/begin.err"
sleep 0.3
expect_eq "with the only worker held by a peer that sent BEGIN_REQUEST only, a request is served" \
	hello "$(hello 10)"
wait "$BEGIN_PID"
check "... as that peer is dropped at the deadline ($(tail -n 1 "$T/begin.err"))" \
	closed_within 2 6 "$T/begin.err"
expect_match "... which the log says" "the request's params did not come in within 3s" "$(cat "$LOG")"

# --- params over the limits --------------------------------------------
limit() { # limit WHAT LOGPATTERN CLIENT-ARGS...
	what=$1 pat=$2
	shift 2
	a=$($FC "$T/cgi/hello.cgi" --hold 10 "$@" 2>/dev/null | tr -d '\r')
	expect_match "$what: 431" "^Status: 431" "$a"
	expect_match "$what: the log names it" "$pat" "$(grep 'refused (431)' "$LOG" | tail -n 1)"
	expect_eq "$what: the next request is served" hello "$(hello)"
}
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$w0/status"; }
hwm0=$(hwm)
limit "one value of 65537 bytes" "value of param #7 HTTP_X_BIG is 65537 bytes, over the limit of 65536" \
	--big-value HTTP_X_BIG=65537
limit "1025 params" "more than 1024 params \\(param #1025 P1018\\)" --many 1100
limit "300 KB of params" "params of more than 262144 bytes in all" --filler 5
limit "a value of 20 MB" "HTTP_X_HUGE is 20000000 bytes" --big-value HTTP_X_HUGE=20000000
expect_eq "... one worker survived them all" "$w0" "$(worker)"
hwm1=$(hwm)
check "... and stayed small (peak RSS from $hwm0 to $hwm1 kB)" [ $((hwm1 - hwm0)) -lt 8000 ]

# --- a request body that stalls inside a record header -----------------
$FC "$T/cgi/count.cgi" --drip-body --hold 20 >/dev/null 2>"$T/drip.err"
check "a body that stalls is cut at the timeout ($(cat "$T/drip.err"))" \
	closed_within 2 6 "$T/drip.err"
expect_match "... which the log says" "count.cgi: timed out after 3s waiting for the request body" "$(cat "$LOG")"
expect_eq "... and the next request is served" hello "$(hello)"

# --- a body shorter than its CONTENT_LENGTH ------------------------------
a=$($FC "$T/cgi/count.cgi" --body 0123456789 --announce 200 --hold 10 2>/dev/null | tr -d '\r')
expect_match "a body that ends before its CONTENT_LENGTH: 400" "^Status: 400" "$a"
expect_match "... the log says so, naming the program" \
	"count.cgi: the request body ended after 10 of 200 bytes \\(CONTENT_LENGTH\\)" "$(cat "$LOG")"
expect_eq "... and the next request is served" hello "$(hello)"

# --- an answer nobody reads ---------------------------------------------
# (The client reads after 12 s: all that follows happens before.  The
# sections below use the worker meanwhile; the client is waited for at
# the end.)
$FC "$T/cgi/big.cgi" --no-read 12 --hold 30 >/dev/null 2>"$T/noread.err" &
NOREAD_PID=$!
wait_for test -s "$T/cgi/big.pid"
sleep 3
check "a program whose answer is not read is killed at the timeout (within 2 s more)" \
	pid_gone_within 2 "$T/cgi/big.pid"
expect_match "... which the log says" "big.cgi: timed out after 3s: the web server did not take the answer" "$(cat "$LOG")"
expect_eq "... and the worker serves the next request while that client still reads nothing" \
	hello "$(hello 3)"

# --- a session change whose answer is cut --------------------------------
a=$($FC "$T/cgi/setflood.cgi" --query one --hold 10 2>/dev/null | tr -d '\r')
cookie=$(printf '%s\n' "$a" | sed -n 's/^Set-Cookie: \([^;]*\).*/\1/p')
check "a session is set (cookie $cookie)" [ -n "$cookie" ]
$FC "$T/cgi/setflood.cgi" --query "two-flood" --cookie "$cookie" --no-read 10 --hold 20 \
	>/dev/null 2>"$T/flood.err" &
FLOOD_PID=$!
wait_for test -s "$T/cgi/flood.pid"
sleep 3
check "a program held up by a web server that does not read its stderr: killed at the timeout" \
	pid_gone_within 2 "$T/cgi/flood.pid"
expect_match "... logged as timed out" "setflood.cgi: timed out after 3s \\(the web server did not take its output\\)" \
	"$(cat "$LOG")"
# (One worker: this request is served once that one is done.)
expect_eq "... and its session change is not saved" "a was one" \
	"$($FC "$T/cgi/setflood.cgi" --query three --cookie "$cookie" --hold 10 2>/dev/null | tail -n 1)"

# --- through nginx with the shipped snippet: a client that reads slowly --
sed -e "s|/run/sessionwrap/sessionwrap.sock|$T/sw.sock|g" -e "s|/usr/lib/cgi-bin|$T/cgi|g" \
	"$SW_SRCDIR/etc/nginx/sessionwrap.conf" >"$T/nginx-sw.conf"
nginx_conf "$T/nginx-sw.conf"
URL="http://127.0.0.1:$PORT"
chmod 666 "$T/sw.sock"
start_nginx || notok "nginx started"
rm -f "$T/cgi/big.pid"
curl -s -m 30 --limit-rate 2k "$URL/cgi-bin/big.cgi" -o "$T/slow.out" &
CURL_PID=$!
wait_for test -s "$T/cgi/big.pid"
sleep 3
check "through nginx (fastcgi_buffering off), a client reading 2 kB/s: the program is killed at the timeout" \
	pid_gone_within 2 "$T/cgi/big.pid"
expect_eq "... and the next request is served" hello "$(curl -s -m 5 "$URL/cgi-bin/hello.cgi")"
kill "$CURL_PID" 2>/dev/null
wait "$CURL_PID" 2>/dev/null
kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null

# --- the clients that did not read, done now -----------------------------
wait "$NOREAD_PID"
check "the answer nobody read was cut short ($(tr '\n' ' ' <"$T/noread.err"))" \
	grep -q "closed after" "$T/noread.err"
check "... short of 20 MB" sh -c "! grep -q 'read 2000[0-9]\{4\} bytes' '$T/noread.err'"
wait "$FLOOD_PID"

# --- a stop while a peer holds the only worker in its head --------------
expect_eq "the worker is free again" hello "$(hello)"
$FC "$T/cgi/hello.cgi" --begin-only --hold 20 >/dev/null 2>"$T/stop.err" &
wait_for grep -q "sent BEGIN_REQUEST" "$T/stop.err"
sleep 0.3
start=$(date +%s)
kill -TERM "$master"
stopped() { ! kill -0 "$master" 2>/dev/null; }
wait_for stopped
check "SIGTERM with the worker waiting for a head: stopped within 2 s" \
	[ $(( $(date +%s) - start )) -le 2 ]
