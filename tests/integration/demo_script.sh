#!/bin/sh
# ./demo.sh, the one-command demo, run non-interactively: it starts
# sessionwrap and lighttpd on the port given, the demo answers with
# sessions, and SIGINT (Ctrl-C) stops everything and exits 0.  Uses the
# existing build (BUILD) so that the test does not rebuild the project.
. "$SW_SRCDIR/tests/lib.sh"

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
# A job started with & by a script ignores SIGINT, and a shell cannot trap
# a signal ignored at entry: perl puts back the default, as a terminal has.
PORT=$PORT DEMO_DIR="$T/demo-run" BUILD="$SW_BUILDDIR" \
	perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' sh "$SW_SRCDIR/demo.sh" >"$T/demo.log" 2>&1 &
DEMO_PID=$!
PIDS="$PIDS $DEMO_PID"
# The first run may have to build: allow a minute.
i=0
until grep -q "open $URL/" "$T/demo.log" 2>/dev/null || [ $i -gt 600 ] || ! kill -0 "$DEMO_PID" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
expect_match "demo.sh prints the URL" "open $URL/" "$(cat "$T/demo.log")"
check "the demo keeps its secret with mode 0600" \
	[ "$(stat -c %a "$T/demo-run/secret" 2>/dev/null)" = 600 ]

JAR="$T/jar"
home=$(curl -s -m 10 -c "$JAR" -b "$JAR" "$URL/")
expect_match "/ serves the demo's home page" 'sessionwrap demo' "$home"
form=$(curl -s -m 10 -c "$JAR" -b "$JAR" "$URL/login.cgi")
tok=$(printf '%s' "$form" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
loc=$(curl -s -m 10 -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code} %{redirect_url}' \
	-d "csrf_token=$tok" -d username=bob -d password=demo "$URL/login.cgi")
expect_match "login through the demo" '^303 .*/profile.cgi$' "$loc"
expect_match "profile: Hello, bob" 'Hello, bob!' "$(curl -s -m 10 -c "$JAR" -b "$JAR" "$URL/profile.cgi")"
check "sessions are stored in the demo's directory" \
	sh -c "find '$T/demo-run/sessions' -type f | grep -q ."
expect_eq "the sh helpers are not served" 403 "$(status_of "$URL/lib/demo.sh")"
# whoami.cgi, an old script that reads REMOTE_USER, behind the built-in form.
J2="$T/jar2"
expect_match "whoami.cgi sends a visitor to the built-in form" '^303 .*/login\?next=%2Fwhoami.cgi$' \
	"$(curl -s -m 10 -c "$J2" -b "$J2" -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/whoami.cgi")"
tok=$(curl -s -m 10 -c "$J2" -b "$J2" "$URL/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p')
curl -s -m 10 -c "$J2" -b "$J2" -o /dev/null -d "csrf_token=$tok" -d user=alice -d password=demo \
	-d next=/whoami.cgi "$URL/login"
expect_match "after the built-in login: REMOTE_USER=alice AUTH_TYPE=Form" 'REMOTE_USER=alice AUTH_TYPE=Form' \
	"$(curl -s -m 10 -c "$J2" -b "$J2" "$URL/whoami.cgi")"

kill -INT "$DEMO_PID"
i=0
while kill -0 "$DEMO_PID" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$DEMO_PID" 2>/dev/null; then
	notok "Ctrl-C (SIGINT): demo.sh stops within 15 s"
	kill -TERM "$DEMO_PID"
fi
wait "$DEMO_PID"
expect_eq "Ctrl-C (SIGINT): demo.sh exits 0" 0 "$?"
expect_match "demo.sh says it stopped" 'demo: stopped' "$(cat "$T/demo.log")"
check "no sessionwrap of the demo left" sh -c "! pgrep -f '[s]essionwrap -f $T/demo-run/'"
check "no lighttpd of the demo left" sh -c "! pgrep -f '[l]ighttpd -D -f $T/demo-run/'"
check "the port is free again" sh -c "! bash -c 'exec 3<>/dev/tcp/127.0.0.1/$PORT' 2>/dev/null"
