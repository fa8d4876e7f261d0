#!/bin/sh
# The per-user index through lighttpd and curl: sessionctl revoke --user
# and --all, sessionctl list --user, X-Session-Revoke-Others; the index
# after regenerate, a change of the login value, a logout; a request in
# flight while its session is revoked; kill -9 of the server during
# logins.  With SW_STORE=redis (redis_revoke.sh) the same on Redis.
. "$SW_SRCDIR/tests/lib.sh"
CTL="$SW_BUILDDIR/src/sessionctl"

make_cgi_dir
# hold.cgi: says it is in flight (file $T/inflight), waits for $T/go,
# then sets cart=held: a request whose session is revoked meanwhile.
cat >"$T/cgi/hold.cgi" <<EOF
#!/bin/sh
: >"$T/inflight"
i=0
while [ ! -f "$T/go" ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i + 1)); done
printf 'X-Session-Set: cart=held\r\nContent-Type: text/plain\r\n\r\nheld\n'
EOF
chmod 755 "$T/cgi/hold.cgi"
write_session_config "$T/sw.ini" </dev/null
start_sw "$T/sw.ini" "$T/sw.sock"
start_lighttpd lt socket "$T/sw.sock"

# login JAR NAME: log in as NAME (a new id, as a login page does)
login() {
	sreq "$T/$1.jar" "sess.cgi?$(hq "X-Session-Set: user=$2")&$(hq 'X-Session-Regenerate: 1')" >/dev/null
}
# who JAR: the REMOTE_USER the script sees with that jar ("" if none)
who() { sreq "$T/$1.jar" sess.cgi | sed -n 's/^REMOTE_USER=//p'; }
ctl() { "$CTL" -f "$T/sw.ini" "$@"; }
live_of() { ctl list --user "$1" | tail -n 1 | sed 's/ live session.*//'; }

# --- revoke --user: three devices, and a request in flight --------------------
for j in a1 a2 a3; do login $j alice; done
login b1 bob
expect_eq "alice logged in on three devices" "alice alice alice" \
	"$(echo $(who a1) $(who a2) $(who a3))"
out=$(ctl list --user alice)
expect_eq "list --user alice: three live sessions" "3" "$(printf '%s\n' "$out" | tail -n 1 | sed 's/ live.*//')"
expect_match "list: created, last seen, permanent, expires" \
	'^CREATED +LAST SEEN +PERMANENT +EXPIRES' "$(printf '%s\n' "$out" | head -n 1)"
expect_match "list: a row is two times, no, a time" \
	'^20[0-9-]+T[0-9:]+Z +20[0-9-]+T[0-9:]+Z +no +20[0-9-]+T[0-9:]+Z$' "$(printf '%s\n' "$out" | sed -n 2p)"
cookie_a1=$(awk '$6 == "session" { print $7 }' "$T/a1.jar")
if [ -n "$cookie_a1" ] && printf '%s\n' "$out" | grep -q -- "$cookie_a1"; then
	notok "list never shows a session id"
else
	ok "list never shows a session id"
fi
if store_holds -e alice -e bob; then notok "no user name in the store"; else ok "no user name in the store"; fi

# a1's request is in flight (its session loaded) when the revoke runs.
rm -f "$T/inflight" "$T/go"
curl -s -D "$T/held.h" -b "$T/a1.jar" "$URL/hold.cgi" >"$T/held.out" &
held=$!
wait_for test -f "$T/inflight"
out=$(ctl revoke --user alice)
expect_eq "revoke --user alice: exit 0" 0 $?
expect_eq "revoke --user alice: says how many" "revoked 3 sessions of user alice" "$out"
: >"$T/go"
wait $held
expect_match "the request in flight was answered" "^held" "$(cat "$T/held.out")"
if tr -d '\r' <"$T/held.h" | grep -qi '^Set-Cookie: session='; then
	notok "the request in flight set no cookie"
else
	ok "the request in flight set no cookie"
fi
expect_eq "after revoke: each of alice's devices is logged out" "" \
	"$(echo $(who a1) $(who a2) $(who a3))"
expect_nomatch "the request in flight did not resurrect its session" "cart=held" \
	"$(sreq "$T/a1.jar" sess.cgi)"
expect_eq "bob is still logged in" "bob" "$(who b1)"
expect_eq "list --user alice: none left" "0" "$(live_of alice)"
expect_eq "revoke --user alice again: none" "revoked 0 sessions of user alice" \
	"$(ctl revoke --user alice)"

# --- X-Session-Revoke-Others -------------------------------------------------
for j in c1 c2 c3; do login $j carol; done
sreq "$T/c2.jar" "sess.cgi?$(hq 'X-Session-Revoke-Others: 1')" >/dev/null
answered "X-Session-Revoke-Others" 200
expect_eq "Revoke-Others: this session stays" "carol" "$(who c2)"
expect_eq "Revoke-Others: the two others are logged out" "" "$(echo $(who c1) $(who c3))"
expect_eq "Revoke-Others: list shows the one left" "1" "$(live_of carol)"
sreq "$T/c2.jar" "sess.cgi?$(hq 'X-Session-Revoke-Others: 2')" >/dev/null
answered "X-Session-Revoke-Others: 2 is malformed" 500
expect_match "the malformed directive is logged with the header" \
	"X-Session-Revoke-Others: value must be 1" "$(cat "$T/sessionwrap.log")"
expect_eq "bob untouched by carol's revoke" "bob" "$(who b1)"

# --- the index after regenerate, a new login value, a logout ------------------
login d1 dave
sreq "$T/d1.jar" "sess.cgi?$(hq 'X-Session-Regenerate: 1')" >/dev/null
expect_eq "regenerate: one session of dave listed" "1" "$(live_of dave)"
expect_eq "regenerate: revoke finds the new id" "revoked 1 session of user dave" \
	"$(ctl revoke --user dave)"
expect_eq "regenerate: then logged out" "" "$(who d1)"

login e1 erin
sreq "$T/e1.jar" "sess.cgi?$(hq 'X-Session-Set: user=frank')" >/dev/null
expect_eq "a new login value: the script sees it" "frank" "$(who e1)"
expect_eq "a new login value: revoke of the old name ends nothing" \
	"revoked 0 sessions of user erin" "$(ctl revoke --user erin)"
expect_eq "... and the session stays" "frank" "$(who e1)"
expect_eq "a new login value: revoke of the new name ends it" \
	"revoked 1 session of user frank" "$(ctl revoke --user frank)"
expect_eq "... logged out" "" "$(who e1)"

login g1 gina
expect_eq "gina listed once logged in" "1" "$(live_of gina)"
sreq "$T/g1.jar" "sess.cgi?$(hq 'X-Session-Clear: 1')" >/dev/null
expect_eq "logout: list shows nothing" "0" "$(live_of gina)"
login g1 gina
sreq "$T/g1.jar" "sess.cgi?$(hq 'X-Session-Unset: user')" >/dev/null
expect_eq "unset of the login key: list shows nothing" "0" "$(live_of gina)"

# --- usage -------------------------------------------------------------------
"$CTL" -f "$T/sw.ini" revoke >/dev/null 2>&1
expect_eq "revoke with neither --user nor --all: usage" 2 $?
"$CTL" -f "$T/sw.ini" revoke --user x --all >/dev/null 2>&1
expect_eq "revoke with both: usage" 2 $?
"$CTL" -f "$T/sw.ini" list >/dev/null 2>&1
expect_eq "list without --user: usage" 2 $?

# --- revoke --all ------------------------------------------------------------
login h1 hank
sreq "$T/h2.jar" "sess.cgi?$(hq 'X-Session-Set: cart=7')" >/dev/null
expect_match "an anonymous session holds its cart" "SESSION_cart=7" "$(sreq "$T/h2.jar" sess.cgi)"
expect_eq "revoke --all: says how many (hank, bob, carol, the cart)" "revoked 4 sessions" \
	"$(ctl revoke --all)"
expect_eq "revoke --all: hank logged out" "" "$(who h1)"
expect_eq "revoke --all: bob logged out" "" "$(who b1)"
expect_nomatch "revoke --all: the anonymous cart is gone" "SESSION_cart=7" "$(sreq "$T/h2.jar" sess.cgi)"
expect_eq "revoke --all: the server still serves" 200 "$(status_of "$URL/sess.cgi")"

# --- kill -9 of the server during logins ---------------------------------------
# Clients log in over and over (each login a new id); the server is killed
# in the middle, started again; every cookie that still works is found.
clients=""
for c in 1 2 3 4 5 6; do
	(i=0; while [ $i -lt 40 ] && [ ! -f "$T/stop" ]; do login k$c kim; i=$((i + 1)); done) &
	clients="$clients $!"
done
# (Killed once every client has logged in at least once.)
all_in() {
	for c in 1 2 3 4 5 6; do grep -q session "$T/k$c.jar" 2>/dev/null || return 1; done
}
wait_for all_in
kill -KILL $(worker_pids "$SW_PID") "$SW_PID" 2>/dev/null
: >"$T/stop"
wait $clients
rm -f "$T/sw.sock"
start_sw "$T/sw.ini" "$T/sw.sock"
# (lighttpd answers 503 for a while after its backend went away.)
served() { [ "$(status_of "$URL/sess.cgi")" = 200 ]; }
wait_for served
n=0
for c in 1 2 3 4 5 6; do [ "$(who k$c)" = kim ] && n=$((n + 1)); done
if [ $n -gt 0 ]; then ok "kill -9 during logins: $n clients still logged in"
else notok "kill -9 during logins: some client still logged in to revoke"; fi
ctl revoke --user kim >"$T/kim.out"
expect_match "after kill -9: revoke --user kim ends them" "^revoked [0-9]+ session" "$(cat "$T/kim.out")"
left=""
for c in 1 2 3 4 5 6; do [ "$(who k$c)" = kim ] && left="$left k$c"; done
expect_eq "after kill -9 and revoke: no cookie is logged in" "" "$left"

# --- the cookie store cannot revoke (said plainly) -----------------------------
if [ "$SW_STORE" = file ]; then
	printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\nstore = cookie\n' \
		"$T" "$T" >"$T/cookie.ini"
	out=$("$CTL" -f "$T/cookie.ini" revoke --user alice 2>&1)
	expect_eq "cookie store: revoke fails" 1 $?
	expect_match "cookie store: says it cannot revoke" "store = cookie .*cannot revoke" "$out"
	out=$("$CTL" -f "$T/cookie.ini" list --user alice 2>&1)
	expect_eq "cookie store: list fails" 1 $?
	# A child asking for it there: 500, nothing committed, the log says
	# why and names the header.
	start_sw "$T/cookie.ini" "$T/cookie.sock"
	start_lighttpd ltc socket "$T/cookie.sock"
	login m1 mia
	expect_eq "cookie store: logged in" "mia" "$(who m1)"
	sreq "$T/m1.jar" "sess.cgi?$(hq 'X-Session-Set: cart=1')&$(hq 'X-Session-Revoke-Others: 1')" >/dev/null
	answered "cookie store: X-Session-Revoke-Others" 500
	expect_match "cookie store: the log names the header and why" \
		"X-Session-Revoke-Others: the cookie store keeps no sessions" "$(cat "$T/sessionwrap.log")"
	expect_nomatch "cookie store: nothing committed" "SESSION_cart" "$(sreq "$T/m1.jar" sess.cgi)"
fi
