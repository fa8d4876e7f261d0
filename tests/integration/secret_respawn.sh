#!/bin/sh
# The workers key sessions with what the master read at start or at the
# last reload, never with the secret files as they are when a worker is
# born: a new secret written without SIGHUP, or a secret file whose mode
# went wrong, changes nothing until a reload takes (or refuses) it.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
WORKERS=1 write_session_config "$T/sw.ini" </dev/null
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"
# value_with COOKIE: what sess.cgi sees as SESSION_k (or SESSIONWRAP_NEW)
value_with() {
	curl -s -m 5 -b "session=$1" "$URL/sess.cgi" | sed -n 's/^SESSION_k=//p; s/^SESSIONWRAP_NEW=1$/(new)/p'
}
# respawn: kill -9 the one worker, wait for its successor
respawn() {
	w=$(pgrep -P "$SW_PID")
	kill -KILL $w
	wait_for sh -c "p=\$(pgrep -P $SW_PID); [ -n \"\$p\" ] && [ \"\$p\" != '$w' ]"
	sleep 0.3
}
birth_deaths() { grep -c 'died (exit status' "$T/sessionwrap.log"; }

sreq "$T/jar" "setkey.cgi?k=kept" >/dev/null
cookie=$(awk '$6 == "session" {print $7}' "$T/jar")
expect_eq "a session" kept "$(value_with "$cookie")"
cp "$T/secret" "$T/secret.old"

# --- a new secret on disk, no SIGHUP: a respawned worker keeps the old keys ---
"$SW" --keygen "$T/secret.new" >/dev/null
mv "$T/secret.new" "$T/secret"
respawn
expect_eq "new secret written, no reload, worker respawned: the cookie still opens its session" \
	kept "$(value_with "$cookie")"
sreq "$T/jar" "setkey.cgi?n=1" -m 5 >/dev/null
expect_eq "... and a write keeps it (the same cookie)" "$cookie" \
	"$(awk '$6 == "session" {print $7}' "$T/jar")"

# --- SIGHUP takes the new secret ----------------------------------------------
# Without the old one in secret_fallbacks, its cookies no longer open
# (sessionwrap.ini(5): rotation keeps sessions through secret_fallbacks).
kill -HUP "$SW_PID"
wait_for grep -q "configuration reloaded" "$T/sessionwrap.log"
sleep 1
expect_eq "after SIGHUP the new secret is used: the old cookie is a new session" \
	"(new)" "$(value_with "$cookie")"
printf 'secret_fallbacks = %s/secret.old\n' "$T" >>"$T/sw.ini"
kill -HUP "$SW_PID"
wait_for sh -c "[ \$(grep -c 'configuration reloaded' '$T/sessionwrap.log') -eq 2 ]"
sleep 1
expect_eq "... and with the old secret as a fallback, the session is back, unchanged" \
	kept "$(value_with "$cookie")"

# --- a secret file with a bad mode: respawns still serve, no respawn loop -------
chmod 644 "$T/secret"
respawn
sleep 2
expect_eq "secret file made group-readable, worker killed: the new worker serves the session" \
	kept "$(value_with "$cookie")"
expect_eq "... no worker died at birth (no respawn loop)" 0 "$(birth_deaths)"
expect_eq "... one worker" 1 "$(pgrep -P "$SW_PID" | wc -l | tr -d ' ')"
# A reload reads the files, and refuses this one, keeping the keys it has.
kill -HUP "$SW_PID"
wait_for grep -q "reload refused" "$T/sessionwrap.log"
expect_match "a reload with that file is refused, naming it" \
	"reload refused, keeping the running configuration: .*$T/secret.*group or others" \
	"$(cat "$T/sessionwrap.log")"
respawn
expect_eq "... and a worker killed after it still uses the running keys" kept "$(value_with "$cookie")"
expect_eq "... still no death at birth" 0 "$(birth_deaths)"
