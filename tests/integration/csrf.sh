#!/bin/sh
# Cross-site request protection ([session] csrf, trusted_origins) through
# a real lighttpd and curl: csrf = origin (the default) refuses a
# state-changing request from another site before the program runs and
# lets same-site, old-client and safe requests through; csrf = token also
# wants the session's token, in X-CSRF-Token or in a form body whose bytes
# still reach the program whole; csrf = off checks nothing.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
# mark.cgi notes that it ran (a file named by its query string).
mkdir -p "$T/ran"
cat >"$T/cgi/mark.cgi" <<EOF2
#!/bin/sh
[ -n "\$QUERY_STRING" ] && touch "$T/ran/\$QUERY_STRING"
printf 'Content-Type: text/plain\r\n\r\nran\n'
EOF2
chmod 755 "$T/cgi/mark.cgi" "$T/ran"
chmod 777 "$T/ran"
LOG="$T/sessionwrap.log"
: >"$LOG"
# log_mark / log_since: the log lines written after the mark
log_mark() { MARK=$(wc -l <"$LOG" | tr -d ' '); }
log_since() { sed -n "$((MARK + 1)),\$p" "$LOG"; }
# post PATH [curl args]: the status of a POST of "a=1" (no cookie jar)
post() { p=$1; shift; status_of "$URL/$p" --data 'a=1' "$@"; }
ran() { [ -e "$T/ran/$1" ]; }

# --- csrf = origin, the default ---------------------------------------------
write_session_config "$T/origin.ini" <<'EOF2'
trusted_origins = http://trusted.example:8443 https://app.example
EOF2
start_sw "$T/origin.ini" "$T/origin.sock" || notok "sessionwrap started"
start_lighttpd origin socket "$T/origin.sock" </dev/null || notok "lighttpd started"
SELF=$URL        # http://127.0.0.1:PORT

log_mark
expect_eq "origin: a POST from another site's Origin is refused" 403 \
	"$(post 'mark.cgi?evil' -H 'Origin: http://evil.example')"
check "origin: ... before the program ran" test ! -e "$T/ran/evil"
l=$(log_since)
expect_match "origin: the log names the script, the method and the Origin" \
	"mark\.cgi: POST refused \(403\), a cross-site request: Origin 'http://evil\.example' is neither this request's origin \(http://127\.0\.0\.1:$PORT\) nor a trusted origin" "$l"

log_mark
expect_eq "origin: Sec-Fetch-Site: cross-site is refused" 403 \
	"$(post 'mark.cgi?sfs' -H 'Sec-Fetch-Site: cross-site')"
check "origin: ... before the program ran" test ! -e "$T/ran/sfs"
expect_match "origin: the log names Sec-Fetch-Site" \
	"mark\.cgi: POST refused \(403\), a cross-site request: Sec-Fetch-Site is 'cross-site'" \
	"$(log_since)"
expect_eq "origin: cross-site with this site's own Origin is still refused" 403 \
	"$(post mark.cgi -H 'Sec-Fetch-Site: cross-site' -H "Origin: $SELF")"
# Go's CrossOriginProtection does the same: another subdomain of the site
# may be another party's.
expect_eq "origin: Sec-Fetch-Site: same-site is refused" 403 \
	"$(post mark.cgi -H 'Sec-Fetch-Site: same-site' -H 'Origin: http://a.127.0.0.1')"

expect_eq "origin: a same-origin POST passes (both headers)" 200 \
	"$(post 'mark.cgi?same' -H 'Sec-Fetch-Site: same-origin' -H "Origin: $SELF")"
check "origin: ... and the program ran" ran same
expect_eq "origin: Origin of this site alone passes" 200 \
	"$(post mark.cgi -H "Origin: $SELF")"
expect_eq "origin: Origin in another case passes" 200 \
	"$(post mark.cgi -H "Origin: HTTP://127.0.0.1:$PORT")"
expect_eq "origin: Sec-Fetch-Site: none (typed by the user) passes" 200 \
	"$(post mark.cgi -H 'Sec-Fetch-Site: none')"
expect_eq "origin: a POST with neither header passes (old clients)" 200 \
	"$(post 'mark.cgi?old')"
check "origin: ... and the program ran" ran old
expect_eq "origin: another port of the same host is another origin" 403 \
	"$(post mark.cgi -H "Origin: http://127.0.0.1:$((PORT + 1))")"
expect_eq "origin: https of the same host is another origin" 403 \
	"$(post mark.cgi -H "Origin: https://127.0.0.1:$PORT")"
expect_eq "origin: the null origin is refused" 403 \
	"$(post mark.cgi -H 'Origin: null')"
# The request's origin comes from its Host header.
expect_eq "origin: Origin matching the Host header passes" 200 \
	"$(post mark.cgi -H 'Host: shop.example' -H 'Origin: http://shop.example')"
expect_eq "origin: Origin not matching the Host header is refused" 403 \
	"$(post mark.cgi -H 'Host: shop.example' -H "Origin: $SELF")"

# A body of a program that passes reaches it whole; one refused is not
# read, and the answer still comes.
head -c 300000 /dev/urandom >"$T/big.in"
expect_eq "origin: a cross-site POST of a big body is refused" 403 \
	"$(status_of "$SELF/echo.cgi" -m 20 --data-binary @"$T/big.in" -H 'Sec-Fetch-Site: cross-site')"
curl -s -m 20 --data-binary @"$T/big.in" -H "Origin: $SELF" \
	-H 'Sec-Fetch-Site: same-origin' "$SELF/echo.cgi" >"$T/big.out"
check "origin: a same-origin body reaches the program byte for byte" \
	cmp -s "$T/big.in" "$T/big.out"

for m in PUT PATCH DELETE PROPFIND; do
	expect_eq "origin: a cross-site $m is refused" 403 \
		"$(status_of "$SELF/mark.cgi?m$m" -X "$m" -H 'Sec-Fetch-Site: cross-site')"
	check "origin: ... the $m ran nothing" test ! -e "$T/ran/m$m"
done
log_mark
post mark.cgi -X PUT -H 'Origin: http://evil.example' >/dev/null
expect_match "origin: the log names the method" "mark\.cgi: PUT refused \(403\)" "$(log_since)"
for m in GET HEAD OPTIONS; do
	expect_eq "origin: a cross-site $m is never refused" 200 \
		"$(status_of "$SELF/mark.cgi" -X "$m" -H 'Sec-Fetch-Site: cross-site' \
			-H 'Origin: http://evil.example')"
done
expect_eq "origin: curl -I (HEAD) cross-site passes" 200 \
	"$(status_of "$SELF/mark.cgi" -I -H 'Origin: http://evil.example')"

expect_eq "trusted_origins: a trusted Origin passes" 200 \
	"$(post mark.cgi -H 'Origin: http://trusted.example:8443')"
expect_eq "trusted_origins: ... even with Sec-Fetch-Site: cross-site" 200 \
	"$(post mark.cgi -H 'Origin: https://app.example' -H 'Sec-Fetch-Site: cross-site')"
expect_eq "trusted_origins: the port is part of the origin" 403 \
	"$(post mark.cgi -H 'Origin: http://trusted.example')"
expect_eq "trusted_origins: the scheme is part of the origin" 403 \
	"$(post mark.cgi -H 'Origin: http://app.example')"

# --- csrf = off ---------------------------------------------------------------
write_session_config "$T/off.ini" <<'EOF2'
csrf = off
EOF2
start_sw "$T/off.ini" "$T/off.sock" || notok "sessionwrap (off) started"
start_lighttpd off socket "$T/off.sock" </dev/null || notok "lighttpd (off) started"
expect_eq "off: a cross-site POST passes" 200 \
	"$(post 'mark.cgi?off' -H 'Sec-Fetch-Site: cross-site' -H 'Origin: http://evil.example')"
check "off: ... and the program ran" ran off

# --- csrf = token -------------------------------------------------------------
write_session_config "$T/token.ini" <<'EOF2'
csrf = token
trusted_origins = https://app.example
EOF2
start_sw "$T/token.ini" "$T/token.sock" || notok "sessionwrap (token) started"
start_lighttpd token socket "$T/token.sock" </dev/null || notok "lighttpd (token) started"
J="$T/jar"
b=$(sreq "$J" "sess.cgi?$(hq 'X-Session-Set: user=alice')")
TOKEN=$(printf '%s\n' "$b" | sed -n 's/^SESSIONWRAP_CSRF_TOKEN=//p')
expect_match "token: the session's token, as its program sees it" '^[A-Za-z0-9_-]{43}$' "$TOKEN"
b=$(sreq "$J" sess.cgi)
expect_match "token: ... stable for the session" "^SESSIONWRAP_CSRF_TOKEN=$TOKEN\$" "$b"

# tpost PATH [curl args]: a POST with the session's cookie
tpost() { p=$1; shift; curl -s -o /dev/null -w '%{http_code}' -b "$J" "$@" "$URL/$p"; }

# In the header: any body, passed whole.
curl -s -m 20 -b "$J" -H "X-CSRF-Token: $TOKEN" --data-binary @"$T/big.in" \
	-H 'Content-Type: application/octet-stream' "$URL/echo.cgi" >"$T/big.out"
check "token: X-CSRF-Token passes, the body reaches the program byte for byte" \
	cmp -s "$T/big.in" "$T/big.out"

log_mark
expect_eq "token: a wrong X-CSRF-Token is refused" 403 \
	"$(tpost 'mark.cgi?wronghdr' --data 'a=1' -H "X-CSRF-Token: x$TOKEN")"
check "token: ... before the program ran" test ! -e "$T/ran/wronghdr"
expect_match "token: the log names the script, method and header" \
	"mark\.cgi: POST refused \(403\) by csrf = token: the X-CSRF-Token header is not the session's token" \
	"$(log_since)"
expect_eq "token: a wrong csrf_token field is refused" 403 \
	"$(tpost mark.cgi --data "a=1&csrf_token=${TOKEN%?}x")"
expect_eq "token: a wrong header is not made good by a right field" 403 \
	"$(tpost mark.cgi -H 'X-CSRF-Token: nope' --data "csrf_token=$TOKEN")"
log_mark
expect_eq "token: a form without the field is refused" 403 \
	"$(tpost 'mark.cgi?nofield' --data 'a=1&b=2')"
check "token: ... before the program ran" test ! -e "$T/ran/nofield"
expect_match "token: ... the log says so" \
	"mark\.cgi: POST refused \(403\) by csrf = token: no X-CSRF-Token header, and no csrf_token field in the form body" \
	"$(log_since)"
log_mark
expect_eq "token: a body that is no form, without the header, is refused" 403 \
	"$(tpost mark.cgi --data-binary 'x' -H 'Content-Type: application/json')"
expect_match "token: ... the log names the Content-Type" "the body \(Content-Type 'application/json'\) is not a form" \
	"$(log_since)"
log_mark
expect_eq "token: no session, no token: refused" 403 \
	"$(post 'mark.cgi?nosession' -H "X-CSRF-Token: $TOKEN")"
check "token: ... before the program ran" test ! -e "$T/ran/nosession"
expect_match "token: ... the log says there is no session" "by csrf = token: no session" "$(log_since)"
expect_eq "token: the origin check still applies with a right token" 403 \
	"$(tpost mark.cgi -H "X-CSRF-Token: $TOKEN" --data 'a=1' -H 'Sec-Fetch-Site: cross-site')"
expect_eq "token: a trusted origin with the token passes" 200 \
	"$(tpost mark.cgi -H "X-CSRF-Token: $TOKEN" --data 'a=1' -H 'Origin: https://app.example')"
for m in GET HEAD OPTIONS; do
	expect_eq "token: a $m without a token (and no session) passes" 200 \
		"$(status_of "$URL/mark.cgi" -X "$m" -H 'Origin: http://evil.example')"
done

# In a form body: the field first, in the middle, last; encoded; a big
# body.  The program's echo of its stdin equals the body sent.
# form_echo DESCRIPTION FILE: FILE posted as a form to echo.cgi comes back
form_echo() {
	curl -s -m 30 -b "$J" -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary @"$2" "$URL/echo.cgi" >"$T/form.out"
	check "$1" cmp -s "$2" "$T/form.out"
}
printf 'csrf_token=%s&note=hello+world' "$TOKEN" >"$T/f1"
form_echo "token: field first, the program gets the body byte for byte" "$T/f1"
printf 'a=1&csrf_token=%s&b=2' "$TOKEN" >"$T/f2"
form_echo "token: field in the middle" "$T/f2"
printf 'a=%%26%%3D&b=2&csrf_token=%s' "$TOKEN" >"$T/f3"
form_echo "token: field last, the whole body short" "$T/f3"
printf 'csrf%%5Ftoken=%s&x=1' "$(printf '%s' "$TOKEN" | sed 's/-/%2D/g; s/_/%5F/g; s/A/%41/g')" >"$T/f4"
form_echo "token: name and value percent-encoded" "$T/f4"
{ printf 'csrf_token=%s&blob=' "$TOKEN"; head -c 600000 /dev/urandom | base64 -w0 | tr '+/' '-_'; } >"$T/f5"
form_echo "token: a big form (800 KB) after the field reaches the program whole" "$T/f5"

# The limit: CSRF_BODY_PREFIX (64 KiB) of the body are looked at.
limit=65536
field="&csrf_token=$TOKEN&"
pad=$((limit - ${#field} - 2))
{ printf 'p='; head -c "$pad" /dev/zero | tr '\0' a; printf '%s' "$field"; printf 'rest=1'; } >"$T/f6"
form_echo "token: a field that ends at the limit's last byte passes" "$T/f6"
{ printf 'p='; head -c "$limit" /dev/zero | tr '\0' a; printf '%s' "$field"; } >"$T/f7"
log_mark
expect_eq "token: a field past the limit is refused" 403 \
	"$(tpost 'mark.cgi?pastlimit' -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$T/f7")"
check "token: ... before the program ran" test ! -e "$T/ran/pastlimit"
expect_match "token: ... with a log line naming the limit" \
	"mark\.cgi: POST refused \(403\) by csrf = token: no X-CSRF-Token header, and no csrf_token field in the first 65536 bytes of the form body \(CSRF_BODY_PREFIX\)" \
	"$(log_since)"

# The body in pieces, split inside the token's field and around the
# limit: a client that sends it slowly.  (lighttpd streaming a body to
# FastCGI answers a chunked one 411: pieces with a Content-Length it is.)
CK=$(sed -n 's/.*\tsession\t\(.*\)$/\1/p' "$J")
# slow_post FILE SPLIT: a POST of FILE to echo.cgi sent in pieces (bytes
# 0-6, 7 to SPLIT-1, the rest) with pauses; prints the status line,
# writes the answer's body to FILE.out
slow_post() {
	python3 - "$PORT" "$CK" "$1" "$2" <<'EOF2'
import socket, sys, time
port, cookie, path, split = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
body = open(path, "rb").read()
s = socket.create_connection(("127.0.0.1", port))
head = ("POST /echo.cgi HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: session=%s\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n" % (port, cookie))
head += "Content-Length: %d\r\n\r\n" % len(body)
s.sendall(head.encode())
pieces = [body[:7], body[7:split], body[split:]]
for p in pieces:
    if not p:
        continue
    s.sendall(p)
    time.sleep(0.3)
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
head, _, rest = data.partition(b"\r\n\r\n")
sys.stdout.buffer.write(head.split(b"\r\n")[0] + b"\n")
if b"chunked" in head.lower():
    out = b""
    while True:
        line, _, rest = rest.partition(b"\r\n")
        n = int(line.split(b";")[0], 16)
        if n == 0:
            break
        out += rest[:n]
        rest = rest[n + 2:]
    rest = out
open(path + ".out", "wb").write(rest)
EOF2
}
st=$(slow_post "$T/f5" 60000)
expect_match "token: a body sent in slow pieces is answered" ' 200' "$st"
check "token: ... and reaches the program byte for byte" cmp -s "$T/f5" "$T/f5.out"
st=$(slow_post "$T/f6" $((limit - 20)))
expect_match "token: a body split inside the field just before the limit is answered" ' 200' "$st"
check "token: ... and reaches the program byte for byte" cmp -s "$T/f6" "$T/f6.out"
st=$(slow_post "$T/f7" $((limit + 20)))
expect_match "token: a body in pieces with the field past the limit is refused" ' 403' "$st"
