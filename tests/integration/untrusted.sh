#!/bin/sh
# Bytes from outside reach the answer, the log and the environment only as
# documented: a program's long Status reason (cut, nothing else sent), a
# URL or a header name with control bytes (escaped, one log line), a
# program's standard error with a CR, a login value with control bytes
# (no REMOTE_USER).  Through lighttpd, and nginx with the shipped snippet.
. "$SW_SRCDIR/tests/lib.sh"
. "$SW_SRCDIR/tests/integration/demo.inc"

make_cgi_dir
mkdir -p "$T/htdocs"
printf '#!/bin/sh\nprintf "one\\rtwo \\033[31mred\\\\ C:\\\\dir\\n" >&2\nprintf "Content-Type: text/plain\\r\\n\\r\\nok\\n"\n' >"$T/cgi/cr-stderr.cgi"
chmod 755 "$T/cgi/cr-stderr.cgi"
# One worker: whatever an earlier request left in its memory is there for
# the next one to leak.
WORKERS=1 write_session_config "$T/sw.ini" <<EOF2
[server]
socket_mode = 0666
EOF2
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
# lighttpd refuses control bytes in a URL by default; not every
# configuration (nor nginx) does.
start_lighttpd web socket "$T/sw.sock" <<EOF2 || notok "lighttpd started"
server.http-parseopts = ("url-ctrls-reject" => "disable")
EOF2
LURL=$URL
SECRET="earlier-post-body-7f3a9c-another-client"

# headers_of URL: the header section of a GET, CRs dropped, without the
# lines the web server adds itself (Date, Server, the framing); the whole
# answer in $T/answer.
# (less the fields the web server adds itself: lighttpd adds Accept-Ranges
# to an answer that was complete before it sent the header)
headers_of() {
	curl -s -i "$1" >"$T/answer"
	tr -d '\r' <"$T/answer" | sed '/^$/q' |
		grep -Ev '^(Date|Server|Content-Length|Transfer-Encoding|Connection|Accept-Ranges): '
}
reason() { # reason FILL N: "bad value: " and N times FILL
	printf 'bad value: '
	i=0
	while [ "$i" -lt "$2" ]; do printf '%s' "$1"; i=$((i + 1)); done
}
lastlog() { sleep 0.2; tail -n 1 "$T/sessionwrap.log"; }

# --- a long Status reason (lighttpd answers with its own reason) -------------
curl -s --data-binary "$SECRET" "$LURL/echo.cgi" >/dev/null
expect_eq "lighttpd: a 4011-byte Status reason: the header section as the program sent it" \
	"HTTP/1.1 400 Bad Request
Content-Type: text/plain
Vary: Cookie
Cache-Control: private" "$(headers_of "$LURL/longstatus.cgi")"
check "... no byte of an earlier request in the answer" sh -c "! grep -qa '$SECRET' '$T/answer'"
expect_eq "... and its body" "refused" "$(tr -d '\r' <"$T/answer" | sed '1,/^$/d')"
expect_eq "... logged, naming the script and the limit" \
	"warn: script $T/cgi/longstatus.cgi: Status reason phrase of 4011 bytes cut to 256 (the limit is 256)" \
	"$(lastlog | sed 's/^sessionwrap\[[0-9]*\]: //')"

# --- log injection (URLs with CR and LF: through nginx below; lighttpd
# turns control bytes in a path into '_') --------------------------------
before=$(wc -l <"$T/sessionwrap.log")
expect_eq "lighttpd: a backslash in the script's name -> 404" 404 \
	"$(status_of "$LURL/missing%5cx0a.cgi")"
expect_match "... shown as \\x5c: every \\x in the log is an escape" \
	"error: script /missing\\\\x5cx0a\\.cgi: refused \\(404\\)" "$(lastlog)"

# --- a header name with control bytes in a bad header block ----------------
before=$(wc -l <"$T/sessionwrap.log")
expect_eq "a header name with a CR and a \\x01 -> 502" 502 \
	"$(status_of "$LURL/rawhead.cgi?h=X-A%250dB%2501:%20v")"
sleep 0.2
expect_eq "... exactly one log line" 1 $(($(wc -l <"$T/sessionwrap.log") - before))
expect_eq "... the name's bytes escaped" \
	"error: script $T/cgi/rawhead.cgi: malformed response header block: line 1 \"X-A\\x0dB\\x01:\": CR inside the line at byte 4 of the line" \
	"$(tail -n 1 "$T/sessionwrap.log" | sed 's/^sessionwrap\[[0-9]*\]: //')"

# --- a program's standard error: CR and escapes shown, backslashes kept ------
curl -s "$LURL/cr-stderr.cgi" >/dev/null
sleep 0.3
expect_match "stderr: a CR and an ESC shown as \\x0d and \\x1b, the rest as written" \
	"cr-stderr.cgi: one\\\\x0dtwo \\\\x1b\\[31mred\\\\ C:\\\\dir\$" "$(cat "$T/web-error.log")"
expect_nomatch "... no raw CR reaches the server's log" "$(printf '\r')" "$(cat "$T/web-error.log")"

# --- REMOTE_USER only from a login value without control bytes -------------
login() { # login JAR VALUE(form-encoded): then what sess.cgi sees
	rm -f "$1"
	curl -s -b "$1" -c "$1" -o /dev/null "$LURL/sess.cgi?$(hq "X-Session-Set: user=$2")"
	curl -s -b "$1" -c "$1" "$LURL/sess.cgi"
}
b=$(login "$T/j1" alice)
expect_match "user=alice: REMOTE_USER" '^REMOTE_USER=alice$' "$b"
expect_match "... and AUTH_TYPE" '^AUTH_TYPE=Session$' "$b"
b=$(login "$T/j2" 'al%0Aice')
expect_nomatch "user with a LF: no REMOTE_USER" '^REMOTE_USER=' "$b"
expect_nomatch "... no AUTH_TYPE" '^AUTH_TYPE=' "$b"
expect_match "... SESSION_user keeps the value as stored" '^SESSION_user=al$' "$b"
expect_match "... (SESSION has all of it)" '^SESSION=user=al%0Aice$' "$b"
expect_eq "... a warning naming the script, the value escaped" \
	"warn: script $T/cgi/sess.cgi: session key 'user' holds a control byte (al\\x0aice): REMOTE_USER and AUTH_TYPE not set" \
	"$(lastlog | sed 's/^sessionwrap\[[0-9]*\]: //')"
b=$(login "$T/j3" 'bo%01b')
expect_nomatch "user with a \\x01: no REMOTE_USER" '^REMOTE_USER=' "$b"
expect_match "... SESSION_user keeps it" "^SESSION_user=bo$(printf '\001')b\$" "$b"
expect_match "... said in the log" \
	"session key 'user' holds a control byte \\(bo\\\\x01b\\)" "$(lastlog)"
b=$(login "$T/j4" "J%C3%BCrgen")
expect_match "user in UTF-8: REMOTE_USER" \
	"^REMOTE_USER=Jürgen\$" "$b"

# --- our own headers, whatever their length --------------------------------
# A cookie path of 840 bytes makes our Set-Cookie about 1 KiB, the most
# sessionwrap accepts today (a future cookie store sends ~4 KiB).
long=/$(head -c 840 /dev/zero | tr '\0' p)
WORKERS=1 write_session_config "$T/sw2.ini" <<EOF2
[cookie]
path = $long
EOF2
start_sw "$T/sw2.ini" "$T/sw2.sock" || notok "second sessionwrap started"
start_lighttpd web2 socket "$T/sw2.sock" </dev/null || notok "second lighttpd started"
expect_eq "a 1 KiB Set-Cookie of ours, with Vary and Cache-Control: the header section" \
	"HTTP/1.1 200 OK
Content-Type: text/plain
Set-Cookie: session=(64); Path=$long; HttpOnly; SameSite=Lax
Vary: Cookie
Cache-Control: no-store, private" \
	"$(headers_of "$URL/sess.cgi?$(hq 'X-Session-Set: k=v')" | sed 's/^Set-Cookie: session=[A-Za-z0-9_-]\{64\};/Set-Cookie: session=(64);/')"

# --- nginx with the shipped snippet ----------------------------------------
localize "$SW_SRCDIR/etc/nginx/sessionwrap.conf" "$T/nginx-sw.conf"
nginx_conf "$T/nginx-sw.conf"
NURL="http://127.0.0.1:$PORT/cgi-bin"
start_nginx || notok "nginx started"

# nginx passes the reason on: cut to 256 bytes, nothing else sent.
nginx_headers() { # nginx_headers REASON
	printf 'HTTP/1.1 400 %s\nContent-Type: text/plain\nVary: Cookie\nCache-Control: private\n' "$1"
}
curl -s --data-binary "$SECRET" "$NURL/echo.cgi" >/dev/null
expect_eq "nginx: a 4011-byte Status reason: cut to 256 bytes, the headers as sent" \
	"$(nginx_headers "$(reason v 245)")" "$(headers_of "$NURL/longstatus.cgi")"
check "... no byte of an earlier request in the answer" sh -c "! grep -qa '$SECRET' '$T/answer'"
expect_eq "... and its body" "refused" "$(tr -d '\r' <"$T/answer" | sed '1,/^$/d')"
expect_eq "nginx: a reason of 256 bytes passes whole" \
	"$(nginx_headers "$(reason v 245)")" "$(headers_of "$NURL/longstatus.cgi?245")"
expect_eq "... and is not logged" "" "$(grep 'longstatus.cgi?245\|of 256 bytes cut' "$T/sessionwrap.log")"
expect_eq "nginx: one of 257 bytes is cut to 256" \
	"$(nginx_headers "$(reason v 245)")" "$(headers_of "$NURL/longstatus.cgi?246")"
expect_eq "nginx: a cut falls before a UTF-8 character, not inside it" \
	"$(nginx_headers "$(reason é 122)")" "$(headers_of "$NURL/longstatus.cgi?e2000")"
expect_match "... logged with the length kept" \
	"longstatus.cgi: Status reason phrase of 4011 bytes cut to 255 " "$(lastlog)"

before=$(wc -l <"$T/sessionwrap.log")
expect_eq "nginx: a missing program whose name holds LF and CR -> 404" 404 \
	"$(status_of "$NURL/missing%0asessionwrap%5b1%5d:%20error:%20forged%0d.cgi")"
sleep 0.2
expect_eq "... leaves exactly one log line" 1 $(($(wc -l <"$T/sessionwrap.log") - before))
expect_match "... escaped" \
	"error: script /cgi-bin/missing\\\\x0asessionwrap\\[1\\]: error: forged\\\\x0d\\.cgi: refused \\(404\\)" \
	"$(tail -n 1 "$T/sessionwrap.log")"
expect_eq "nginx: a missing program whose name is not UTF-8 -> 404" 404 \
	"$(status_of "$NURL/missing%ff%c2%9b.cgi")"
sleep 0.2
expect_match "... logged with those bytes escaped (a log reader wanting UTF-8 shows the line)" \
	"error: script /cgi-bin/missing\\\\xff\\\\xc2\\\\x9b\\.cgi: refused \\(404\\)" \
	"$(tail -n 1 "$T/sessionwrap.log")"

check "nginx stops" stop_pid "$NGINX_PID"
check "sessionwrap stops on SIGTERM" stop_pid "$SW_PID"
