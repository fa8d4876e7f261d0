#!/bin/sh
# The session contract (sessionwrap.ini(5), THE CHILD CONTRACT) through a
# real lighttpd and curl with a cookie jar, one or more checks per row and
# bullet.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
write_session_config "$T/sw.ini" <<'EOF2'
touch_interval = 1h
[cookie]
name = sid
EOF2
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" <<EOF2 || notok "lighttpd started"
server.modules += ("mod_setenv")
setenv.add-environment = ("SESSION_user" => "mallory", "SESSION" => "user=mallory", "REMOTE_USER" => "mallory", "AUTH_TYPE" => "Basic", "SESSIONWRAP_NEW" => "0")
EOF2
J="$T/jar"

# --- a first visit: new, empty, no cookie -------------------------------------
b=$(sreq "$J" "sess.cgi")
expect_match "new visitor: SESSIONWRAP_NEW=1" '^SESSIONWRAP_NEW=1$' "$b"
expect_match "new visitor: SESSION is empty" '^SESSION=$' "$b"
expect_match "new visitor: a CSRF token" '^SESSIONWRAP_CSRF_TOKEN=[A-Za-z0-9_-]{20,}$' "$b"
answered "a new visitor" 200
expect_nomatch "empty session = no cookie" '^Set-Cookie' "$(hdr)"
expect_match "Vary: Cookie on a session response" '^Vary: Cookie$' "$(hdr)"
expect_nomatch "server-set SESSION_user dropped" '^SESSION_user=' "$b"
expect_nomatch "server-set REMOTE_USER dropped without login" '^REMOTE_USER=' "$b"
expect_nomatch "server-set AUTH_TYPE dropped without login" '^AUTH_TYPE=' "$b"
expect_eq "store holds no record for an empty session" 0 "$(store_count)"

# --- set --------------------------------------------------------------------
b=$(sreq "$J" "sess.cgi?$(hq 'X-Session-Set: cart=3,7&pet=Rex the dog')")
h=$(hdr)
# (The cookie store's value is the sealed session: longer; its permanent
# cookie lives at most the 1-day default absolute_timeout.)
if [ "$SW_STORE" = cookie ]; then cv='[A-Za-z0-9_-]{100,4000}' perm='86[0-9]{3}'
else cv='[A-Za-z0-9_-]{64}' perm=2678400; fi
expect_match "set: Set-Cookie for the new session" "^Set-Cookie: sid=$cv; " "$h"
expect_match "set: cookie Path=/" 'Set-Cookie: .*; Path=/' "$h"
expect_match "set: cookie HttpOnly" 'Set-Cookie: .*; HttpOnly' "$h"
expect_match "set: cookie SameSite=Lax" 'Set-Cookie: .*; SameSite=Lax' "$h"
expect_nomatch "set: no Secure over plain http" 'Set-Cookie: .*; Secure' "$h"
expect_nomatch "set: browser-session cookie (no Max-Age)" 'Set-Cookie: .*Max-Age' "$h"
expect_match "set: response with our cookie is not cacheable" '^Cache-Control: no-store' "$h"
expect_nomatch "set: directives never reach the client" '^X-Session' "$h"
expect_match "set: the request that set it still saw the old session" '^SESSIONWRAP_NEW=1$' "$b"
cookie1=$(awk '$6 == "sid" {print $7}' "$J")
b=$(sreq "$J" "sess.cgi")
expect_match "SESSION form-encoded, keys in byte order" '^SESSION=cart=3%2C7&pet=Rex\+the\+dog$' "$b"
expect_match "SESSION_<key> raw" '^SESSION_pet=Rex the dog$' "$b"
expect_match "SESSION_cart raw" '^SESSION_cart=3,7$' "$b"
expect_match "SESSIONWRAP_NEW=0 for a stored session" '^SESSIONWRAP_NEW=0$' "$b"
expect_nomatch "unchanged non-permanent session: no Set-Cookie" '^Set-Cookie' "$(hdr)"
csrf1=$(printf '%s\n' "$b" | sed -n 's/^SESSIONWRAP_CSRF_TOKEN=//p')
b=$(sreq "$J" "sess.cgi")
expect_eq "CSRF token stable for the session" "$csrf1" "$(printf '%s\n' "$b" | sed -n 's/^SESSIONWRAP_CSRF_TOKEN=//p')"

# --- keys that are no shell names, HTTP_COOKIE --------------------------------
sreq "$J" "sess.cgi?$(hq 'X-Session-Set: my-key=v1&a.b=v2')" >/dev/null
b=$(sreq "$J" "sess.cgi" -b "other=1; sid=garbage; third=3")
expect_match "odd keys in SESSION" '^SESSION=a.b=v2&cart=3%2C7&my-key=v1&pet=Rex\+the\+dog$' "$b"
expect_nomatch "no SESSION_ variable for a key that is no name" '^SESSION_my' "$b"
expect_match "HTTP_COOKIE keeps other cookies, drops ours" '^HTTP_COOKIE=other=1; third=3$' "$b"
# A site with many cookies (a browser sends up to ~180 per site): ours,
# sent after 200 others, is still read.
sid=$(awk '$6 == "sid" { print $7 }' "$J")
many=$(perl -e 'print join("; ", map { "c$_=v" } 0 .. 199), "\n"')
b=$(curl -s -H "Cookie: $many; sid=$sid" "$URL/sess.cgi")
expect_match "session cookie after 200 others is read" '^SESSION_pet=Rex the dog$' "$b"
sreq "$J" "sess.cgi?$(hq 'X-Session-Unset: my-key&a.b')" >/dev/null
expect_match "unset removes keys" '^SESSION=cart=3%2C7&pet=Rex\+the\+dog$' "$(sreq "$J" sess.cgi)"

# --- login: REMOTE_USER, regenerate -------------------------------------------
sreq "$J" "sess.cgi?$(hq 'X-Session-Set: user=alice')&$(hq 'X-Session-Regenerate: 1')" >/dev/null
h=$(hdr)
expect_match "regenerate: a new cookie" '^Set-Cookie: sid=' "$h"
cookie2=$(awk '$6 == "sid" {print $7}' "$J")
check "regenerate: the id changed" [ -n "$cookie2" -a "$cookie1" != "$cookie2" ]
b=$(sreq "$J" "sess.cgi")
expect_match "regenerate keeps the data" '^SESSION_pet=Rex the dog$' "$b"
expect_match "login key gives REMOTE_USER" '^REMOTE_USER=alice$' "$b"
expect_match "login key gives AUTH_TYPE=Session" '^AUTH_TYPE=Session$' "$b"
csrf2=$(printf '%s\n' "$b" | sed -n 's/^SESSIONWRAP_CSRF_TOKEN=//p')
check "CSRF token new after regenerate" [ -n "$csrf2" -a "$csrf1" != "$csrf2" ]
if [ "$SW_STORE" = cookie ]; then
	# Needs server state (a tombstone): on the cookie store the old cookie
	# lives on until its timeouts (sessionwrap.ini(5), WHICH STORE).
	b=$(curl -s -D "$T/h" -b "sid=$cookie1" "$URL/sess.cgi")
	expect_match "cookie store: the cookie from before regenerate still opens (documented)" '^SESSION_pet=Rex the dog$' "$b"
	expect_nomatch "cookie store: ... without the login set with regenerate" '^SESSION_user=' "$b"
else
	b=$(curl -s -D "$T/h" -b "sid=$cookie1" "$URL/sess.cgi")
	expect_match "old id dead at once after regenerate" '^SESSIONWRAP_NEW=1$' "$b"
	expect_nomatch "old id: no data" '^SESSION_pet' "$b"
	b=$(curl -s -D "$T/h" -b "sid=$cookie1" "$URL/sess.cgi?$(hq 'X-Session-Set: evil=1')")
	answered "a request on the dead id" 200
	expect_nomatch "a request on the dead id never overwrites the newer cookie" '^Set-Cookie' "$(hdr)"
	expect_nomatch "... nor resurrects it" 'evil' "$(sreq "$J" sess.cgi)"
	expect_match "the dropped change is logged, naming the script" \
		"info: script $T/cgi/sess.cgi: the session was cleared or regenerated by another request: its 1 change\\(s\\) not committed" \
		"$(cat "$T/sessionwrap.log")"
fi

# --- a long answer: committed when the held-back body passes 64 KiB --------
b=$(sreq "$J" "sess.cgi?$(hq 'X-Session-Set: long=yes')&$(hq 'Set-Cookie: sid=forged')&body=300000")
expect_eq "300 KB body after a session change arrives whole" 300000 "$(printf '%s' "$b" | sed -n '/^END$/,$p' | tail -n +2 | tr -d '\n' | wc -c | tr -d ' ')"
answered "the long answer" 200
expect_nomatch "the child cannot set the session cookie itself" '^Set-Cookie: sid=forged' "$(hdr)"
expect_match "the long answer's change was committed" '^SESSION_long=yes$' "$(sreq "$J" sess.cgi)"
sleep 0.1
expect_match "the dropped Set-Cookie is logged" "dropped its Set-Cookie for the session cookie 'sid'" "$(cat "$T/sessionwrap.log")"
sreq "$J" "sess.cgi?$(hq 'X-Session-Unset: long')" >/dev/null
# A browser reads a cookie's name trimmed of spaces and tabs (RFC 6265
# 5.2): "sid =evil" would replace the session cookie as well.
nw=$(grep -c "dropped its Set-Cookie for the session cookie 'sid'" "$T/sessionwrap.log")
sreq "$J" "rawhead.cgi?h=Set-Cookie:%20sid%20=evil;%20Path=/&h=Set-Cookie:%20sid%2509=%20evil2&h=Set-Cookie:%20sidx%20=kept" >/dev/null
h=$(hdr)
answered "a child's Set-Cookie 'sid =evil'" 200
expect_nomatch "a child's Set-Cookie 'sid =evil' (blanks around the name) is dropped" '^Set-Cookie: sid[[:space:]]*=' "$h"
expect_match "... a cookie of another name is not" '^Set-Cookie: sidx =kept' "$h"
expect_match "... and the session survives" '^SESSION_pet=Rex the dog$' "$(sreq "$J" sess.cgi)"
sleep 0.1
expect_eq "... each dropped with the warning" $((nw + 2)) \
	"$(grep -c "dropped its Set-Cookie for the session cookie 'sid'" "$T/sessionwrap.log")"

# --- compat_mod_session off: X-Replace-Session is dropped all the same ------
sreq "$J" "sess.cgi?$(hq 'X-Replace-Session: user=bob')" >/dev/null
answered "X-Replace-Session without compat_mod_session" 200
expect_nomatch "X-Replace-Session without compat_mod_session does not reach the client" '^X-Replace-Session' "$(hdr)"
expect_match "... and changes nothing" '^REMOTE_USER=alice$' "$(sreq "$J" sess.cgi)"
sleep 0.1
expect_match "... with a warning naming the script, header and key" \
	"warn: script $T/cgi/sess.cgi: header X-Replace-Session dropped, not acted on: compat_mod_session is off" \
	"$(cat "$T/sessionwrap.log")"

# --- flash ---------------------------------------------------------------------
sreq "$J" "sess.cgi?$(hq 'X-Session-Flash: info=Item added')&$(hq 'X-Session-Flash: warning=Cart almost full')" >/dev/null
b=$(sreq "$J" "sess.cgi")
expect_match "flash delivered on the next request, in order" '^SESSIONWRAP_FLASH=info=Item\+added&warning=Cart\+almost\+full$' "$b"
b=$(sreq "$J" "sess.cgi")
answered "the request after the flash" 200
expect_nomatch "flash delivered once" '^SESSIONWRAP_FLASH' "$b"
sreq "$J" "sess.cgi?$(hq 'X-Session-Flash: info=kept')" >/dev/null
sreq "$J" "sess.cgi?$(hq 'Status: 503 Busy')" >/dev/null
expect_match "a failed (5xx) request does not consume the flash" '^SESSIONWRAP_FLASH=info=kept$' "$(sreq "$J" sess.cgi)"

# --- transactional ---------------------------------------------------------------
before=$(sreq "$J" "sess.cgi" | grep '^SESSION=')
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$URL/sess.cgi?$(hq 'X-Session-Set: x=1')&$(hq 'Status: 500 Oops')")
expect_eq "5xx from the child passed on" 500 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$URL/sess.cgi?$(hq 'X-Session-Set: x=2')&die=1")
expect_eq "child killed after its headers -> 502" 502 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$URL/sess.cgi?$(hq 'X-Session-Set: x=3')&$(hq 'broken header line')")
expect_eq "malformed header block -> 502" 502 "$code"
expect_eq "nothing committed by 5xx, crash or bad headers" "$before" "$(sreq "$J" "sess.cgi" | grep '^SESSION=')"

# --- bad directives: 500, log names script and header, nothing stored ----------
bad() {   # bad DESCRIPTION HEADER LOGPATTERN
	code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$URL/sess.cgi?$(hq 'X-Session-Set: ok=1')&$(hq "$2")")
	expect_eq "bad directive ($1) -> 500" 500 "$code"
	sleep 0.1
	expect_match "bad directive ($1): log names script and header" "sess.cgi.*$3" "$(tail -n 5 "$T/sessionwrap.log")"
}
bad "bad %-escape" 'X-Session-Set: k=%zz' 'X-Session-Set'
bad "NUL in value" 'X-Session-Set: k=a%00b' 'X-Session-Set'
bad "key over 256 bytes" "X-Session-Set: $(head -c 300 /dev/zero | tr '\0' k)=v" 'X-Session-Set'
bad "empty key" 'X-Session-Set: =v' 'X-Session-Set'
bad "permanent not 0/1" 'X-Session-Permanent: yes' 'X-Session-Permanent'
bad "clear not 1" 'X-Session-Clear: please' 'X-Session-Clear'
bad "unknown directive" 'X-Session-Sett: a=1' 'X-Session-Sett'
# A raw NUL or CR in a directive's line (rawhead.cgi: %2500 is a NUL).
rawbad() {   # rawbad DESCRIPTION QUERY LOGTEXT
	code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$URL/rawhead.cgi?h=X-Session-Set:%20ok=1&$2")
	expect_eq "bad directive ($1) -> 500" 500 "$code"
	sleep 0.1
	check "bad directive ($1): log names script, header and line" grep -qF \
		"error: script $T/cgi/rawhead.cgi: header X-Session-Set: malformed session directive: line 2 \"X-Session-Set:\": $3" "$T/sessionwrap.log"
}
rawbad "raw NUL byte" "h=X-Session-Set:%20k=a%2500b" 'NUL byte at byte 19 of the line'
rawbad "raw CR" "h=X-Session-Set:%20k=a%250Db" 'CR inside the line at byte 19 of the line'
expect_eq "a raw NUL in another header: a malformed header block -> 502" 502 \
	"$(status_of "$URL/rawhead.cgi?h=X-Session-Set:%20ok=1&h=X-Other:%20a%2500b" -b "$J")"
expect_eq "X-Session-Set over the 64 KiB header block -> 502" 502 \
	"$(status_of "$URL/bigset.cgi?name=huge&n=70000" -b "$J")"
sleep 0.1
check "... the log names the header and the limit" grep -qF \
	"error: script $T/cgi/bigset.cgi: header block over 64 KiB: line 1 \"X-Session-Set:\": still open at the limit of 65536 bytes" "$T/sessionwrap.log"
if [ "$SW_STORE" = cookie ]; then
	# The cookie store holds what fits in cookie_max (4000 chars), far
	# below max_size: a 30 KB value fails like any limit.
	expect_eq "cookie store: a 30 KB value -> 500 (over cookie_max)" 500 \
		"$(status_of "$URL/bigset.cgi?name=big1&n=30000" -b "$J")"
	sleep 0.1
	expect_match "cookie store: ... logged with the script and cookie_max" "bigset.cgi.*cookie_max" "$(tail -n 3 "$T/sessionwrap.log")"
	expect_nomatch "cookie store: ... no key" '^SESSION_big1=' "$(sreq "$J" sess.cgi)"
else
	expect_eq "30 KB value accepted" 200 "$(status_of "$URL/bigset.cgi?name=big1&n=30000" -b "$J")"
	expect_eq "second 30 KB value accepted" 200 "$(status_of "$URL/bigset.cgi?name=big2&n=30000" -b "$J")"
	expect_eq "third 30 KB value: session over max_size (64 KiB) -> 500" 500 \
		"$(status_of "$URL/bigset.cgi?name=big3&n=30000" -b "$J")"
	sleep 0.1
	expect_match "over max_size: logged with the script" "bigset.cgi.*max_size" "$(tail -n 3 "$T/sessionwrap.log")"
	b=$(sreq "$J" sess.cgi)
	check "the session holds the first two and not the third" sh -c "printf '%s' '$(printf '%s' "$b" | grep -c '^SESSION_big[12]=')' | grep -qx 2"
	expect_nomatch "no third key" '^SESSION_big3=' "$b"
fi
sreq "$J" "sess.cgi?$(hq 'X-Session-Unset: big1&big2')" >/dev/null
expect_eq "after every bad directive the session is exactly as it was" "$before" "$(sreq "$J" "sess.cgi" | grep '^SESSION=')"

# --- permanent --------------------------------------------------------------------
sreq "$J" "sess.cgi?$(hq 'X-Session-Permanent: 1')" >/dev/null
h=$(hdr)
expect_match "permanent: Max-Age of 31 days" "^Set-Cookie: sid=.*; Max-Age=$perm; Expires=[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT" "$h"
sreq "$J" "sess.cgi" >/dev/null
expect_match "permanent: cookie refreshed on each request" "^Set-Cookie: sid=.*Max-Age=$perm" "$(hdr)"
sreq "$J" "sess.cgi?$(hq 'X-Session-Permanent: 0')" >/dev/null
expect_match "not permanent again: browser-session cookie" '^Set-Cookie: sid=[^;]*; Path=/; HttpOnly' "$(hdr)"

# --- the store: names, modes, contents ------------------------------------------
if [ "$SW_STORE" = cookie ]; then     # (the session is in the cookie only)
	check "cookie store: nothing on the server" [ ! -e "$T/store" ]
	check "cookie store: the cookie does not show the data" sh -c "! grep -q -e 'Rex' -e alice '$J'"
else
files=$(store_records)
nrec=$(printf '%s\n' "$files" | grep -c .)
expect_eq "one live record (plus the tombstone of the regenerated id)" 2 "$nrec"
id_in_names=0
for c in "$cookie1" "$cookie2"; do
	printf '%s\n' "$files" | grep -q -- "$c" && id_in_names=1
	printf '%s\n' "$files" | grep -q -- "$(printf '%s' "$c" | head -c 20)" && id_in_names=1
done
expect_eq "no cookie value in record names" 0 "$id_in_names"
# (Whole values: 60 KB of ciphertext hold a given 3-byte string, such as
# "Rex", about once in 280 runs.)
check "record contents encrypted (no 'Rex the dog' or 'alice' on disk)" \
	eval "! store_holds -e 'Rex the dog' -e 'Rex+the+dog' -e alice"
if [ "$SW_STORE" = file ]; then      # file store only: modes, inodes
	expect_eq "store dir 0700" 700 "$(stat -c %a "$T/store")"
	bad_modes=$(find "$T/store" -type f ! -name '.lock' ! -perm 600 | wc -l)
	expect_eq "record files 0600" 0 "$bad_modes"
	bad_dirs=$(find "$T/store" -type d ! -perm 700 | wc -l)
	expect_eq "shard dirs 0700" 0 "$bad_dirs"
	ident() { stat -c %i "$1"; }
else                                 # Redis: every record expires by itself
	no_ttl=0
	for k in $files; do [ "$(rcli TTL "$k")" -gt 0 ] || no_ttl=$((no_ttl + 1)); done
	expect_eq "every Redis record has a TTL" 0 "$no_ttl"
	ident() { echo -; }   # (a rewrite changes the value: a new nonce)
fi
# Lazy write: a request that changes nothing writes nothing.
rec=$(for f in $files; do [ "$(store_value "$f" | wc -c)" -gt 100 ] && echo "$f"; done | head -n 1)
sum1=$(store_value "$rec" | sha256sum | cut -c1-64); ino1=$(ident "$rec")
sreq "$J" "sess.cgi" >/dev/null
expect_eq "a request that changes nothing does not rewrite the record" "$sum1 $ino1" "$(store_value "$rec" | sha256sum | cut -c1-64) $(ident "$rec")"
fi
# A copy of the store is useless without the cookie: a cookie made with
# another secret is refused.
"$SW" --keygen "$T/other-secret" >/dev/null

# --- tampering ---------------------------------------------------------------------
good=$(awk '$6 == "sid" {print $7}' "$J")
first=$(printf '%s' "$good" | cut -c1)
if [ "$first" = A ]; then repl=B; else repl=A; fi
tampered="$repl$(printf '%s' "$good" | cut -c2-)"
b=$(curl -s -b "sid=$tampered" "$URL/sess.cgi")
expect_match "tampered cookie refused: new session" '^SESSIONWRAP_NEW=1$' "$b"
expect_nomatch "tampered cookie: no data" '^SESSION_pet' "$b"
b=$(curl -s -b "sid=$(printf '%s' "$good" | cut -c1-40)" "$URL/sess.cgi")
expect_match "truncated cookie refused" '^SESSIONWRAP_NEW=1$' "$b"
b=$(curl -s -b "sid=\"$good\"x" "$URL/sess.cgi")
expect_match "garbage cookie refused" '^SESSIONWRAP_NEW=1$' "$b"
b=$(curl -s -b "sid=; sid=junk; sid=$good" "$URL/sess.cgi")
expect_match "repeated cookie names: the valid one is found" '^SESSION_pet=Rex the dog$' "$b"

# --- clear (logout) ----------------------------------------------------------------
sreq "$J" "sess.cgi?$(hq 'X-Session-Clear: 1')" >/dev/null
h=$(hdr)
expect_match "clear: cookie expired" '^Set-Cookie: sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT' "$h"
if [ "$SW_STORE" = cookie ]; then
	# Needs server state: a copy of the cookie lives until its timeouts.
	b=$(curl -s -b "sid=$good" "$URL/sess.cgi")
	expect_match "cookie store: a copy from before logout still opens (documented)" '^SESSION_pet=Rex the dog$' "$b"
else
	b=$(curl -s -b "sid=$good" "$URL/sess.cgi")
	expect_match "clear: the old cookie opens nothing" '^SESSIONWRAP_NEW=1$' "$b"
	expect_nomatch "clear: REMOTE_USER gone" '^REMOTE_USER' "$b"
	b=$(curl -s -D "$T/h" -b "sid=$good" "$URL/sess.cgi?$(hq 'X-Session-Set: zombie=1')")
	answered "an in-flight request of a cleared session" 200
	expect_nomatch "an in-flight request of a cleared session sets no cookie" '^Set-Cookie' "$(hdr)"
fi

# --- unknown id: never adopted -------------------------------------------------------
if [ "$SW_STORE" != cookie ]; then
	# (Needs server state: on the cookie store no record can vanish.)
	J2="$T/jar2"
	sreq "$J2" "setkey.cgi?k=1" >/dev/null
	c=$(awk '$6 == "sid" {print $7}' "$J2")
	store_clear
	b=$(sreq "$J2" "sess.cgi")
	expect_match "valid MAC but unknown to the store: new session" '^SESSIONWRAP_NEW=1$' "$b"
	sreq "$J2" "setkey.cgi?k=2" >/dev/null
	c2=$(awk '$6 == "sid" {print $7}' "$J2")
	check "unknown id not adopted: a new id is issued" [ -n "$c2" -a "$c" != "$c2" ]
fi

# --- only the web server says what is HTTPS ------------------------------------
curl -s -o /dev/null -D "$T/h" -H 'X-Forwarded-Proto: https' "$URL/setkey.cgi?k=1"
expect_match "a client's X-Forwarded-Proto: https ..." '^Set-Cookie: sid=' "$(hdr)"
expect_nomatch "... does not make the cookie Secure" 'Set-Cookie: .*; Secure' "$(hdr)"

# --- the permanent flag alone makes no session ----------------------------------
J3="$T/jar3"
sreq "$J3" "sess.cgi?$(hq 'X-Session-Permanent: 1')" >/dev/null
answered "Permanent: 1 on an empty session" 200
expect_nomatch "Permanent: 1 on an empty session: no cookie" '^Set-Cookie' "$(hdr)"
sreq "$J3" "sess.cgi?$(hq 'X-Session-Permanent: 1')&$(hq 'X-Session-Set: k=1')" >/dev/null
expect_match "Permanent: 1 with the first key: a permanent cookie" "^Set-Cookie: sid=.*; Max-Age=$perm" "$(hdr)"

# --- a Cookie header over the limit: refused, never read as "no session" -------
# (Else the next write would put a new cookie over the user's.)  lighttpd
# takes header lines up to 64 KiB here; ours stops at 16 KiB, exactly.
start_lighttpd big socket "$T/sw.sock" <<'EOF2' || notok "lighttpd (large headers) started"
server.max-request-field-size = 65536
EOF2
J4="$T/jar4"
sreq "$J4" "setkey.cgi?user=erin" >/dev/null
c4=$(awk '$6 == "sid" {print $7}' "$J4")
# cookie_of_len N: "sid=<c4>; p=xxx..." of exactly N bytes.  The "--":
# a cookie value may start with "-" (base64url), which perl would take
# for a switch of its own, printing nothing.
cookie_of_len() { perl -e '$h = "sid=$ARGV[0]; p="; print $h, "x" x ($ARGV[1] - length $h), "\n"' -- "$c4" "$1"; }
b=$(curl -s -D "$T/h" -H "Cookie: $(cookie_of_len 16384)" "$URL/setkey.cgi?cart=1")
expect_match "Cookie header of exactly 16 KiB: read, the session found" '^HTTP/1.1 200' "$(hdr)"
if [ "$SW_STORE" = cookie ]; then
	# The session lives in the cookie: the change comes back in a new one.
	c4=$(hdr | sed -n 's/^Set-Cookie: sid=\([^;]*\);.*/\1/p')
	check "cookie store: ... the change comes back in a new cookie" [ -n "$c4" ]
	printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\t%s\n' "$c4" >"$J4"
else
	expect_nomatch "... and no new cookie" '^Set-Cookie' "$(hdr)"
fi
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -H "Cookie: $(cookie_of_len 16385)" "$URL/setkey.cgi?cart=2")
expect_eq "Cookie header one byte over: 431" 431 "$code"
expect_nomatch "... no new cookie over the user's" '^Set-Cookie' "$(hdr)"
expect_match "... logged, naming the script and the size" "script $T/cgi/setkey.cgi: Cookie header of 16385 bytes, over the limit \\(16384\\): request refused \\(431\\)" "$(cat "$T/sessionwrap.log")"
b=$(sreq "$J4" sess.cgi)
expect_match "the session is as the 16 KiB request left it" '^SESSION=cart=1&user=erin$' "$b"

# --- a response that sets our cookie: no cache keeps it, targeted or not ---
# RFC 9213 targeted fields (CDN-Cache-Control, *-CDN-Cache-Control) and
# Surrogate-Control win over Cache-Control for the caches they target.
curl -s -o /dev/null -D "$T/h" "$URL/sess.cgi?$(hq 'X-Session-Set: cdn=1')&$(hq 'CDN-Cache-Control: public, max-age=600')&$(hq 'Surrogate-Control: max-age=600')&$(hq 'Example-CDN-Cache-Control: max-age=600')&$(hq 'Cache-Control: public, max-age=600')&$(hq 'X-Other: kept')"
h=$(hdr)
expect_match "new session: our Set-Cookie ..." '^Set-Cookie: sid=' "$h"
expect_match "... with Cache-Control: no-store, private" '^Cache-Control: no-store, private$' "$h"
expect_nomatch "... and no child's CDN-Cache-Control" '^CDN-Cache-Control' "$h"
expect_nomatch "... nor Surrogate-Control" '^Surrogate-Control' "$h"
expect_nomatch "... nor Example-CDN-Cache-Control" '^Example-CDN-Cache-Control' "$h"
expect_nomatch "... nor the child's Cache-Control" '^Cache-Control: public' "$h"
expect_match "... other headers pass" '^X-Other: kept$' "$h"
curl -s -o /dev/null -D "$T/h" "$URL/sess.cgi?$(hq 'CDN-Cache-Control: max-age=5')"
expect_match "no Set-Cookie: the child's CDN-Cache-Control passes" '^CDN-Cache-Control: max-age=5$' "$(hdr)"

# --- a page that changes nothing streams; one with changes is held back -------
# (Held, a crash could still undo its changes; a request with no directive
# and no flash handed over has none.)
J5="$T/jar5"
sreq "$J5" "setkey.cgi?user=sam" >/dev/null
lines=$(streamed_lines "$URL" -b "$J5")
check "with a session and no changes, the answer streams ($lines lines in 1 s)" [ "$lines" -ge 3 ]
sreq "$J5" "sess.cgi?$(hq 'X-Session-Flash: info=hi')" >/dev/null
lines=$(streamed_lines "$URL" -b "$J5")
expect_eq "with a flash handed over (consumed at commit), it is held back" 0 "$lines"
sleep 0.5
expect_match "... and the flash, not committed as read, is still there" \
	'^SESSIONWRAP_FLASH=info=hi$' "$(sreq "$J5" sess.cgi)"
