#!/bin/sh
# sessionctl: the command line, the configuration it shares with the
# server (same checks, same messages), exit codes 0 done, 1 error, 2 usage.
. "$SW_SRCDIR/tests/lib.sh"
CTL="$SW_BUILDDIR/src/sessionctl"

# rc CMD...: the exit code of CMD, its output in $T/out
rc() { "$@" >"$T/out" 2>&1; echo $?; }

expect_eq "no command: usage" 2 "$(rc "$CTL" -f /dev/null)"
expect_match "no command: says so" "no command given" "$(cat "$T/out")"
expect_eq "unknown command: usage" 2 "$(rc "$CTL" -f /dev/null frobnicate)"
expect_match "unknown command: named" "unknown command 'frobnicate'" "$(cat "$T/out")"
expect_eq "unknown option: usage" 2 "$(rc "$CTL" --frob gc)"
expect_eq "-h: done" 0 "$(rc "$CTL" -h)"
expect_match "-h lists gc" "^  gc" "$(cat "$T/out")"

expect_eq "missing configuration: error" 1 "$(rc "$CTL" -f "$T/none.ini" gc)"
expect_match "missing configuration: named" "$T/none.ini" "$(cat "$T/out")"

make_cgi_dir
write_session_config "$T/bad.ini" <<EOF2
idle_timeout = soon
EOF2
expect_eq "bad configuration: error" 1 "$(rc "$CTL" -f "$T/bad.ini" gc)"
ctl_err=$(cat "$T/out")
"$SW" -t -f "$T/bad.ini" >"$T/t.out" 2>&1
expect_eq "bad configuration: the server's own message" \
	"$(head -n 1 "$T/t.out")" "$(printf '%s\n' "$ctl_err" | head -n 1)"

write_config "$T/nosess.ini" </dev/null
expect_eq "sessions off: error" 1 "$(rc "$CTL" -f "$T/nosess.ini" gc)"
expect_match "sessions off: says so" "sessions are off" "$(cat "$T/out")"

write_session_config "$T/sw.ini" </dev/null
expect_eq "gc: done" 0 "$(rc "$CTL" -f "$T/sw.ini" gc)"
expect_match "gc: says how many" "^removed 0 " "$(cat "$T/out")"
expect_eq "gc with an argument: usage" 2 "$(rc "$CTL" -f "$T/sw.ini" gc now)"
expect_eq "config from \$SESSIONWRAP_CONFIG" 0 \
	"$(SESSIONWRAP_CONFIG="$T/sw.ini" rc "$CTL" gc)"

# A user who could not read the secret cannot use it: run as root with
# [server] user nobody, it works as nobody, who cannot read $T/secret.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	write_session_config "$T/nobody.ini" </dev/null
	printf '[server]\nuser = nobody\n' >>"$T/nobody.ini"
	chmod 600 "$T/secret"
	expect_eq "secret unreadable to [server] user: error" 1 \
		"$(rc "$CTL" -f "$T/nobody.ini" gc)"
	expect_match "secret unreadable: names the file and the user" \
		"$T/secret.*nobody" "$(cat "$T/out")"
else
	notok "run as root with a user nobody to check the secret's reader"
fi
