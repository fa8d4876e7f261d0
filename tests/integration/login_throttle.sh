#!/bin/sh
# Failed logins of the built-in login are throttled per user name and per
# client address, counted in the session store: two sessionwrap servers
# (two "machines", each behind its own lighttpd, 3 workers each) on one
# store see one count, on the file store (one directory) and on Redis
# (one server).  The wait is answered 429 with Retry-After, whoever the
# name, whatever the password; a success forgets the name's count.
# The cookie store keeps no count: -t refuses the form with it.
. "$SW_SRCDIR/tests/lib.sh"
CTL="$SW_BUILDDIR/src/sessionctl"

make_cgi_dir
printf 'alicepw\n' | "$CTL" passwd --stdin "$T/passwd" alice >/dev/null
printf 'bobpw\n' | "$CTL" passwd --stdin "$T/passwd" bob >/dev/null

SW_STORE=cookie write_session_config "$T/cookie.ini" <<EOF2
[access]
password_file = $T/passwd
login_template = $SW_SRCDIR/etc/login.html
EOF2
out=$("$SW" -t -f "$T/cookie.ini" 2>&1)
expect_match "-t: the login form with store = cookie is refused, saying why" \
	'\[access\] password_file: the login form counts failed logins in the session store, and this store keeps nothing on a server \(store = cookie\)' "$out"

# post URL JAR USER PASSWORD: a login through the form at URL (a fresh
# token first); the answer in $T/h.
post() {
	tok=$(curl -s -b "$2" -c "$2" "$1/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p')
	curl -s -D "$T/h" -o "$T/b" -b "$2" -c "$2" --data-urlencode "csrf_token=$tok" \
		--data-urlencode "user=$3" --data-urlencode "password=$4" \
		--data-urlencode "next=/env.cgi" "$1/login"
}
status() { tr -d '\r' <"$T/h" | head -n 1 | cut -d' ' -f2; }

run() {   # run STORE
	st=$1
	rm -f "$T"/*.conf
	WORKERS=3 SW_STORE=$st write_session_config "$T/$st.ini" <<EOF2
[access]
password_file = $T/passwd
login_template = $SW_SRCDIR/etc/login.html
max_failures = 4
lockout = 1h
EOF2
	start_sw "$T/$st.ini" "$T/$st-a.sock" || notok "$st: sessionwrap A started"
	start_sw "$T/$st.ini" "$T/$st-b.sock" || notok "$st: sessionwrap B started"
	start_lighttpd "$st-a" socket "$T/$st-a.sock" <<EOF2 || notok "$st: lighttpd A started"
fastcgi.server += ("/login" => (("socket" => "$T/$st-a.sock", "check-local" => "disable")))
EOF2
	A=$URL
	start_lighttpd "$st-b" socket "$T/$st-b.sock" <<EOF2 || notok "$st: lighttpd B started"
fastcgi.server += ("/login" => (("socket" => "$T/$st-b.sock", "check-local" => "disable")))
EOF2
	B=$URL
	J="$T/$st.jar"

	# Failures 1 and 2 (half of max_failures) wait for nothing.
	post "$A" "$J" alice wrong1; expect_eq "$st: failure 1 (A)" 200 "$(status)"
	post "$B" "$J" alice wrong2; expect_eq "$st: failure 2 (B)" 200 "$(status)"
	post "$A" "$J" alice wrong3; expect_eq "$st: failure 3 (A)" 200 "$(status)"
	# After the third, 2 s: on the other server too, right password or not.
	post "$B" "$J" alice alicepw
	expect_eq "$st: after 3 failures on A and B, B makes the next try wait" 429 "$(status)"
	expect_match "$st: ... with Retry-After" '^Retry-After: [12]$' "$(tr -d '\r' <"$T/h")"
	expect_match "$st: ... and says so on the form" 'Too many failed logins' "$(cat "$T/b")"
	grep -v csrf_token "$T/b" >"$T/wait.b"
	sleep 2.1
	post "$A" "$J" alice wrong4; expect_eq "$st: failure 4, after the wait (A)" 200 "$(status)"
	# max_failures reached: locked for the lockout, on both.
	post "$B" "$J" alice alicepw
	expect_eq "$st: locked after max_failures: the right password is refused (B)" 429 "$(status)"
	expect_match "$st: ... for the lockout" '^Retry-After: 3[56][0-9]{2}$' "$(tr -d '\r' <"$T/h")"
	post "$A" "$J" alice alicepw
	expect_eq "$st: ... and on A" 429 "$(status)"
	expect_nomatch "$st: ... logging nobody in" 'Set-Cookie' "$(cat "$T/h")"
	# The name only: bob, from the same address, is not locked.
	post "$A" "$J" bob bobpw
	expect_eq "$st: another name from the address logs in" 303 "$(status)"
	# A name nobody has is throttled alike (no enumeration): within
	# max_failures + 1 tries it is made to wait (a slow machine may let
	# the 2 s wait after the third pass; the lockout after the fourth
	# cannot), from A or B alike.
	got=""
	for i in 1 2 3 4 5; do
		if [ $((i % 2)) = 1 ]; then post "$A" "$J" nosuch "x$i"; else post "$B" "$J" nosuch "x$i"; fi
		got="$got $(status)"
		[ "$(status)" = 429 ] && break
	done
	expect_match "$st: an unknown name waits too (answers:$got)" '429$' "$got"
	grep -v csrf_token "$T/b" >"$T/wait2.b"
	check "$st: ... the same page as a known name's (but the session's token)" \
		cmp -s "$T/wait.b" "$T/wait2.b"
	# A success forgets the name's count.
	post "$A" "$J" bob wrong; post "$B" "$J" bob wrong
	post "$A" "$J" bob bobpw; expect_eq "$st: bob logs in after 2 failures" 303 "$(status)"
	post "$B" "$J" bob wrong; post "$A" "$J" bob wrong
	post "$B" "$J" bob bobpw
	expect_eq "$st: ... his count began again at the success" 303 "$(status)"
	logs=$(cat "$T/sessionwrap.log")
	expect_match "$st: the log names the user, the address and the counts" \
		"/login: failed login for user 'alice' from 127.0.0.1 \(failure 4 of the name, [0-9]+ of the address\)" "$logs"
	expect_match "$st: ... and the refusal" "/login: login for user 'alice' from 127.0.0.1 refused for [0-9]+s: 4 failed logins of the name" "$logs"
	check "$st: no password in the log" sh -c "! grep -qE 'alicepw|wrong[0-9]' '$T/sessionwrap.log'"
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	PIDS=""
	sleep 0.3
	: >"$T/sessionwrap.log"
}

run file
check "file: the counts are in the store, under names that tell nothing" \
	sh -c "ls '$T/store/fails' | grep -qE '^[0-9a-f]{64}$' && ! grep -rqa alice '$T/store/fails'"
if printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\nstore = redis\n[redis]\naddress = unix:%s/none.sock\n' \
	"$T" "$T" "$T" >"$T/probe.ini" && "$SW" -t -f "$T/probe.ini" 2>&1 | grep -q 'built without Redis'; then
	echo "# built without hiredis: the Redis half is not run"
else
	run redis
fi
