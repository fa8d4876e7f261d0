#!/bin/sh
# The wrapper core through a real lighttpd connecting to sessionwrap's own
# unix socket: environment, bodies, full duplex, streaming, errors, limits.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
ln -s /bin/sh "$T/cgi/escape.cgi"          # symlink leaving the root
printf '#!/bin/sh\necho hi\n' >"$T/cgi/noexec.cgi"
chmod 644 "$T/cgi/noexec.cgi"
mkdir "$T/cgi/dir.cgi"
export SW_PASS_ME="passed through" SW_HIDE_ME="must not pass"
TIMEOUT=3s write_config "$T/sw.ini" <<EOF2
pass_env = SW_PASS_ME
EOF2
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"

# --- environment -----------------------------------------------------------
envout=$(curl -s -H 'Proxy: http://evil.example' -H 'Session: forged=1' \
	"$URL/env.cgi/extra/path?q=1&r=2")
expect_match "QUERY_STRING passed" '^QUERY_STRING=q=1&r=2$' "$envout"
expect_match "PATH_INFO passed" '^PATH_INFO=/extra/path$' "$envout"
expect_match "SCRIPT_NAME passed" '^SCRIPT_NAME=/env.cgi$' "$envout"
expect_match "REQUEST_METHOD passed" '^REQUEST_METHOD=GET$' "$envout"
expect_match "SERVER_PROTOCOL passed" '^SERVER_PROTOCOL=HTTP/1.1$' "$envout"
expect_match "REMOTE_ADDR passed" '^REMOTE_ADDR=127.0.0.1$' "$envout"
expect_nomatch "HTTP_PROXY never passed (httpoxy)" '^HTTP_PROXY=' "$envout"
expect_nomatch "HTTP_SESSION from the client dropped" '^HTTP_SESSION=' "$envout"
expect_match "safe default PATH" '^PATH=/usr/local/bin:/usr/bin:/bin$' "$envout"
expect_match "pass_env variable passed" '^SW_PASS_ME=passed through$' "$envout"
expect_nomatch "wrapper environment not leaked" '^SW_HIDE_ME=' "$envout"
expect_match "working directory is the script's" "^CWD=$T/cgi\$" "$envout"

# --- bodies ----------------------------------------------------------------
head -c 10485760 /dev/urandom >"$T/body10m"
curl -s --data-binary @"$T/body10m" -H 'Content-Type: application/octet-stream' \
	"$URL/echo.cgi" -o "$T/echoed"
check "10 MB binary body echoed byte for byte" cmp -s "$T/body10m" "$T/echoed"
printf 'a\000b\r\n\377' >"$T/small"
curl -s --data-binary @"$T/small" "$URL/echo.cgi" -o "$T/small.out"
check "NUL, CR and 0xff bytes survive" cmp -s "$T/small" "$T/small.out"
expect_eq "empty POST gives an empty body" "0" \
	"$(curl -s -X POST --data-binary '' "$URL/echo.cgi" | wc -c | tr -d ' ')"

check_write_first "10 MB POST to a script writing 10 MB first (no deadlock)" 10485760 "$URL"

res=$(curl -s -m 30 -w ' %{http_code}' --data-binary @"$T/body10m" "$URL/no-read.cgi")
expect_eq "a script that never reads its body still gets its answer out" \
	"answered without reading
 200" "$res"
# The rest of the body is read before the answer goes out, but a client
# uploading slower than the timeout (3 s) does not cost the program its
# answer.
head -c 200000 /dev/zero >"$T/body200k"
res=$(curl -s -m 12 --limit-rate 50k -w ' %{http_code}' --data-binary @"$T/body200k" "$URL/no-read.cgi")
expect_eq "a 4 s upload to a script that does not read it: still its answer" \
	"answered without reading
 200" "$res"
expect_nomatch "... and the script is not said to have failed" \
	'no-read.cgi: (closed its output but did not exit|timed out)' "$(cat "$T/sessionwrap.log")"

# --- streaming: 100 MB out, flat memory --------------------------------------
# Peak RSS (VmHWM) of the workers before and after: the growth is what a
# 100 MB answer cost.  (Measured as growth so a sanitizer build's larger
# baseline does not matter.)
peak_rss() {
	m=0
	for p in $(worker_pids "$SW_PID"); do
		h=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null)
		[ "${h:-0}" -gt "$m" ] && m=$h
	done
	echo "$m"
}
before=$(peak_rss)
curl -s "$URL/big.cgi" -o "$T/big.out"
expect_eq "100 MB response delivered" "104857600" "$(wc -c <"$T/big.out" | tr -d ' ')"
after=$(peak_rss)
echo "# worker peak RSS before/after 100 MB: ${before} kB / ${after} kB"
check "worker memory stays flat (peak RSS grew $((after - before)) kB < 8 MB)" \
	[ "$after" -gt 0 -a $((after - before)) -lt 8192 ]
rm -f "$T/big.out" "$T/body10m" "$T/echoed" "$T/wf.in" "$T/wf.out"

# --- headers ---------------------------------------------------------------
h=$(curl -s -i "$URL/status.cgi")
expect_match "Status: 201 without reason gets one" '^HTTP/1.1 201 Created' "$h"
expect_match "headers pass in order, repeated ones kept" 'Set-Cookie: a=1.*Set-Cookie: b=2' "$(echo "$h" | tr -d '\r' | tr '\n' ' ')"
expect_match "header value trimmed" '^X-Two: padded.$' "$h"
h=$(curl -s -i "$URL/status.cgi?redirect")
expect_match "Location without Status is a 302" '^HTTP/1.1 302' "$h"
expect_match "Location passed" '^Location: /elsewhere' "$h"
expect_eq "Status with reason" "418" "$(status_of "$URL/status.cgi?teapot")"
expect_eq "an interim Status (100) is no answer -> 502" 502 "$(status_of "$URL/status.cgi?interim")"
expect_eq "a Status past 599 -> 502" 502 "$(status_of "$URL/status.cgi?beyond")"

# --- errors: each with a log line naming the script ------------------------
expect_eq "malformed header block -> 502" 502 "$(status_of "$URL/bad-header.cgi")"
expect_eq "header block over 64 KiB -> 502" 502 "$(status_of "$URL/big-header.cgi")"
expect_eq "more than 128 headers -> 502" 502 "$(status_of "$URL/many-headers.cgi")"
expect_eq "no output -> 502" 502 "$(status_of "$URL/no-output.cgi")"
expect_eq "crash before output -> 502" 502 "$(status_of "$URL/crash.cgi")"
expect_eq "missing script -> 404" 404 "$(status_of "$URL/missing.cgi")"
expect_eq "symlink escaping the root -> 403" 403 "$(status_of "$URL/escape.cgi")"
expect_eq "not executable -> 403" 403 "$(status_of "$URL/noexec.cgi")"
expect_eq "a directory -> 403" 403 "$(status_of "$URL/dir.cgi")"
body=$(curl -s "$URL/bad-header.cgi")
expect_eq "error page is short and leaks nothing" "502 Bad Gateway" "$body"

t0=$(date +%s)
rm -f "$T/cgi/slow.pgid"
code=$(status_of "$URL/slow.cgi?30")
t1=$(date +%s)
expect_eq "slow script past the timeout -> 504" 504 "$code"
check "timeout fired near 3s (took $((t1 - t0))s)" [ $((t1 - t0)) -lt 10 ]
sleep 0.5
pgid=$(cat "$T/cgi/slow.pgid" 2>/dev/null)
check "the slow script ran in a process group of its own" [ -n "$pgid" ]
# Killed is dead: a zombie waiting for init to reap it does not count.
alive=$(ps -eo pgid=,stat= | awk -v g="${pgid:-0}" '$1 == g && $2 !~ /^Z/' | wc -l)
expect_eq "the slow script's whole process group was killed" 0 "$alive"

# A program that answered and exited 0 but left a background process
# holding its output: the web server waits for the end of the output, as
# under any CGI runner; the log says what held it open.
b=$(curl -s -m 8 -w ' %{http_code}' "$URL/background.cgi")
expect_eq "a background process holding the output: the answer, ended at the timeout" "answered 200" "$(printf '%s' "$b" | tr '\n' ' ' | tr -s ' ')"

sleep 0.3
log=$(cat "$T/sessionwrap.log")
expect_match "log names the script: malformed" "bad-header.cgi: malformed response header block" "$log"
expect_match "log names the script: header over limit" "big-header.cgi: header block over 64 KiB" "$log"
expect_match "... and the line being read at the limit" \
	'big-header.cgi: header block over 64 KiB: line 18 "X-Filler-16:": still open at the limit of 65536 bytes' "$log"
expect_match "log names the script and the line: too many headers" \
	'many-headers.cgi: too many response headers: line 129 "X-H-127:": more than 128 headers' "$log"
expect_match "log names the script: no output" "no-output.cgi: produced no output" "$log"
expect_match "log names the script: crash" "crash.cgi: .*signal 11" "$log"
expect_match "log names the script: timeout" "slow.cgi: timed out after 3s" "$log"
expect_match "... and says the program itself had exited" \
	"background.cgi: exited \\(status 0\\), but its output stayed open \\(a background process it left holding standard output\\?\\): timed out after 3s" "$log"
expect_nomatch "... which a program still running is not told" \
	"slow.cgi: exited" "$log"
expect_match "log names the script: outside root" "escape.cgi.*outside every root" "$log"

# --- a malformed header block: the log names the line and the fault --------
# (sess.cgi and rawhead.cgi send each h= as a header line; rawhead.cgi
# decodes it twice, for a raw NUL that lighttpd would refuse in a URL.)
badline() {   # badline DESCRIPTION SCRIPT?QUERY LOGLINE (fixed string)
	expect_eq "$1 -> 502" 502 "$(status_of "$URL/$2")"
	sleep 0.1
	check "$1: the log names the line and the fault" \
		grep -qF "error: script $T/cgi/${2%%\?*}: malformed response header block: $3" "$T/sessionwrap.log"
}
badline "space before the colon" "sess.cgi?$(hq 'X-Session-Set : k=4')" \
	'line 1 "X-Session-Set :": space before the colon'
badline "folded line" "sess.cgi?$(hq 'X-A: 1')&$(hq ' folded: x')" \
	'line 2 " folded:": folded line (starts with a space or tab)'
badline "no colon" "sess.cgi?$(hq 'X-A: 1')&$(hq 'no colon here')" \
	'line 2 "no colon here": no colon'
badline "a NUL byte, the value not shown" "rawhead.cgi?h=X-A:%201&h=X-Other:%20secret%2500x" \
	'line 2 "X-Other:": NUL byte at byte 16 of the line'
badline "sessions off: a NUL in an X-Session-Set line is a malformed line" \
	"rawhead.cgi?h=X-Session-Set:%20k=a%2500b" 'line 1 "X-Session-Set:": NUL byte at byte 19 of the line'
check "the log shows no value of a malformed line" sh -c "! grep -q secret '$T/sessionwrap.log'"

# --- sessions off: session directives still never reach the client ---------
# They are dropped with a warning, once per worker process (2 workers
# here), not once per request.
for i in 1 2 3 4 5 6; do
	curl -s -D "$T/h" -o /dev/null "$URL/sess.cgi?$(hq 'X-Session-Set: user=alice&secret=42')&$(hq 'x-session-flash: hi')&$(hq 'X-Replace-Session: a=1')&$(hq 'X-Other: kept')"
done
h=$(tr -d '\r' <"$T/h")
expect_match "sessions off: the program's other header reaches the client" '^X-Other: kept$' "$h"
expect_nomatch "sessions off: no X-Session-* header reaches the client" '^[Xx]-[Ss]ession' "$h"
expect_nomatch "sessions off: no X-Replace-Session reaches the client" '^X-Replace-Session' "$h"
expect_match "sessions off: other headers pass" '^X-Other: kept$' "$h"
sleep 0.1
nwarn=$(grep -c "warn: script $T/cgi/sess.cgi: header X-Session-Set dropped, not acted on: sessions are off (no \[session\] secret_file)" "$T/sessionwrap.log")
check "sessions off: a warning naming script and header, at most once per worker ($nwarn in 6 requests)" \
	[ "$nwarn" -ge 1 -a "$nwarn" -le 2 ]

# --- stderr to the web server's error log -----------------------------------
curl -s "$URL/stderr.cgi" >/dev/null
sleep 0.3
elog=$(cat "$T/web-error.log")
expect_match "child stderr line 1 in the server log, prefixed" "stderr.cgi: first complaint" "$elog"
expect_match "child stderr line 2 in the server log, prefixed" "stderr.cgi: second complaint" "$elog"

# --- descriptors -------------------------------------------------------------
fds=$(curl -s "$URL/fdcheck.cgi" | sort -n | tr '\n' ' ')
expect_eq "the child gets exactly fds 0 1 2 (no FastCGI socket leak)" "0 1 2 " "$fds"

# --- a program that writes a line at a time is streamed; the client goes away ---
lines=$(streamed_lines "$URL")
check "streamed line by line ($lines of a line per 0.1 s in 1 s)" [ "$lines" -ge 5 ]
sleep 2
check "child killed when the client went away" sh -c "! pgrep -f '$T/cgi/[s]tream.cgi' >/dev/null"
check "sessionwrap still serves after all that" [ "$(status_of "$URL/status.cgi")" = 201 ]

# --- the answer held back while the body comes in, without a TMPDIR -------
# Past 256 KiB a held answer goes to a file in TMPDIR; when that cannot
# be made, sessionwrap says so and writes through (lighttpd reads both
# ways, so nothing is lost here).
TMPDIR="$T/no-such-dir" "$SW" -f "$T/sw.ini" -s "unix:$T/sw2.sock" >>"$T/sw2.log" 2>&1 &
PIDS="$PIDS $!"
wait_for test -S "$T/sw2.sock" || notok "second sessionwrap started"
start_lighttpd web2 socket "$T/sw2.sock" </dev/null || notok "second lighttpd started"
check_write_first "no TMPDIR, 10 MB written before a 300 KB body is read" 300000 "$URL"
expect_match "... with a warning naming the directory" \
	"warn: script $T/cgi/write-first.cgi: cannot hold the answer back while the request body comes in: cannot make a temporary file in $T/no-such-dir: No such file or directory; writing through" \
	"$(cat "$T/sw2.log")"

# --- started as root without [server] user: said so in the log -------------
if [ "$(id -u)" -eq 0 ]; then
	expect_match "root without [server] user: a warning naming the key" \
		'warn: running as root, and so will the CGI programs: set \[server\] user' "$(cat "$T/sessionwrap.log")"
else
	expect_nomatch "not root: no warning about root" 'running as root' "$(cat "$T/sessionwrap.log")"
fi
