#!/bin/sh
# The demo app through nginx with the shipped etc/nginx/sessionwrap.conf,
# fastcgi_pass to sessionwrap's own socket.
. "$SW_SRCDIR/tests/lib.sh"
. "$SW_SRCDIR/tests/integration/demo.inc"

# Where sessionwrap holds an answer back (see the request bodies below).
mkdir "$T/held"
export TMPDIR="$T/held"
demo_on_socket "$SW_SRCDIR/etc/nginx/sessionwrap.conf" "$T/nginx-sw.conf"
unset TMPDIR

nginx_conf "$T/nginx-sw.conf"
URL="http://127.0.0.1:$PORT"
nginx -t -q -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>>"$T/nginx-error.log" &&
	ok "nginx accepts the shipped snippet" || notok "nginx accepts the shipped snippet"
start_nginx || notok "nginx started"
echo "# nginx + sessionwrap socket on $URL"
demo_flow "$URL/cgi-bin"

# PATH_INFO, the program's real path, the request body.
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s|%%s|%%s\\n" "$SCRIPT_NAME" "$PATH_INFO" "$QUERY_STRING"\n' >"$T/cgi/pi.cgi"
chmod 755 "$T/cgi/pi.cgi"
expect_eq "SCRIPT_NAME, PATH_INFO and QUERY_STRING through nginx" "/cgi-bin/pi.cgi|/extra|a=1" \
	"$(curl -s -m 10 "$URL/cgi-bin/pi.cgi/extra?a=1")"
expect_eq "no PATH_INFO without extra path" "/cgi-bin/pi.cgi||" "$(curl -s -m 10 "$URL/cgi-bin/pi.cgi")"
# A program in a subdirectory is run, not served as a file (its source).
mkdir -p "$T/cgi/sub"
cp "$T/cgi/pi.cgi" "$T/cgi/sub/pi.cgi"
expect_eq "a program in a subdirectory runs, with its PATH_INFO" "/cgi-bin/sub/pi.cgi|/extra|b=2" \
	"$(curl -s -m 10 "$URL/cgi-bin/sub/pi.cgi/extra?b=2")"
# Request bodies.  nginx stops sending the body once it has the answer's
# header, so sessionwrap holds back what a program writes until the body
# is in (fcgiwrap behind nginx stalls here: its program waits for the
# rest of a body that never comes).
printf '#!/bin/sh\nn=$(wc -c)\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "$n"\n' >"$T/cgi/count.cgi"
chmod 755 "$T/cgi/count.cgi"
head -c 3000000 /dev/urandom >"$T/body"
expect_eq "a 3 MB request body reaches the program whole" 3000000 \
	"$(curl -s -m 20 --data-binary @"$T/body" "$URL/cgi-bin/count.cgi" | tr -d ' ')"
check_echo "3 MB echoed while read, byte for byte" 3000000 "$URL/cgi-bin"
check_write_first "10 MB written before a 10 MB body is read" 10485760 "$URL/cgi-bin"
# Held past 256 KiB: in a file in TMPDIR that has no name, gone after.
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nhead -c 1000000 /dev/zero\nsleep 3\nwc -c\n' >"$T/cgi/held.cgi"
chmod 755 "$T/cgi/held.cgi"
head -c 1000000 /dev/urandom >"$T/body1m"
curl -s -m 20 --data-binary @"$T/body1m" "$URL/cgi-bin/held.cgi" -o "$T/held.out" &
CURL_PID=$!
held_fds() { for p in $(pgrep -P "$SW_PID"); do ls -l /proc/$p/fd 2>/dev/null; done | grep -c "$T/held/"; }
held_open() { [ "$(held_fds)" = 1 ]; }
check "1 MB written before the body is read: held in an open file in TMPDIR" wait_for held_open
expect_eq "... that has no name there" "" "$(ls -A "$T/held")"
wait "$CURL_PID"
expect_eq "then the answer whole, and the body read whole" "1000000 1000000" \
	"$(head -c 1000000 "$T/held.out" | wc -c) $(tail -c +1000001 "$T/held.out" | tr -d ' \n')"
expect_eq "and the file is gone" 0 "$(held_fds)"
cp "$SW_SRCDIR/tests/cgi/no-read.cgi" "$SW_SRCDIR/tests/cgi/bad-header.cgi" "$T/cgi/"
expect_eq "a program that answers without reading a 3 MB body: its answer" \
	"answered without reading 200" \
	"$(curl -s -m 20 -w ' %{http_code}' --data-binary @"$T/body" "$URL/cgi-bin/no-read.cgi" | tr -d '\n')"
expect_eq "a bad header block with a 3 MB body due: sessionwrap's own 502" \
	"502 Bad Gateway 502" \
	"$(curl -s -m 20 -w ' %{http_code}' --data-binary @"$T/body" "$URL/cgi-bin/bad-header.cgi" | tr -d '\n')"
expect_eq "a missing program is a 404" 404 "$(status_of "$URL/cgi-bin/missing.cgi")"
expect_eq "a helper file is not served" 403 "$(status_of "$URL/cgi-bin/lib/demo.sh")"

check "nginx stops" stop_pid "$NGINX_PID"
check "sessionwrap stops on SIGTERM" stop_pid "$SW_PID"
