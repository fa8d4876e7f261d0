#!/bin/sh
# systemd socket activation with the shipped units etc/systemd/
# sessionwrap.socket + sessionwrap.service: the units pass
# `systemd-analyze verify`, and their ListenStream= and ExecStart= run under
# systemd-socket-activate (the same LISTEN_PID/LISTEN_FDS hand-over as
# systemd) behind lighttpd; SIGHUP reloads, SIGTERM stops.
. "$SW_SRCDIR/tests/lib.sh"
. "$SW_SRCDIR/tests/integration/demo.inc"

demo_setup </dev/null
cat >"$T/cgi/listen.cgi" <<'EOF2'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
env | grep '^LISTEN_' || echo none
EOF2
chmod 755 "$T/cgi/listen.cgi"
mkdir -p "$T/units"
localize "$SW_SRCDIR/etc/systemd/sessionwrap.socket" "$T/units/sessionwrap.socket"
localize "$SW_SRCDIR/etc/systemd/sessionwrap.service" "$T/units/sessionwrap.service"

if command -v systemd-analyze >/dev/null; then
	check "the units pass systemd-analyze verify" \
		systemd-analyze verify --man=no "$T/units/sessionwrap.socket" "$T/units/sessionwrap.service"
else
	echo "# skip: no systemd-analyze"
fi

unit_value() { sed -n "s/^$1=//p" "$2" | head -n 1; }
listen=$(unit_value ListenStream "$T/units/sessionwrap.socket")
pre=$(unit_value ExecStartPre "$T/units/sessionwrap.service")
start=$(unit_value ExecStart "$T/units/sessionwrap.service")
expect_eq "the socket unit listens where the web server configs connect" "$T/sw.sock" "$listen"
check "ExecStartPre (config check) succeeds" $pre

# shellcheck disable=SC2086 # ExecStart is a command line
systemd-socket-activate -l "$listen" $start >>"$T/sessionwrap.log" 2>&1 &
ACT_PID=$!
PIDS="$PIDS $ACT_PID"
wait_for test -S "$listen"
check "sessionwrap is not started before the first connection" \
	[ "$(readlink "/proc/$ACT_PID/exe")" != "$(readlink -f "$SW")" ]

localize "$SW_SRCDIR/etc/lighttpd/sessionwrap-socket.conf" "$T/socket.conf"
start_lighttpd_with web "$T/socket.conf" || notok "lighttpd started"
echo "# lighttpd + socket-activated sessionwrap on $URL"
demo_flow "$URL/cgi-bin"
expect_eq "the first connection started sessionwrap on the activated socket" \
	"$(readlink -f "$SW")" "$(readlink "/proc/$ACT_PID/exe")"
expect_eq "LISTEN_* are not passed to the CGI programs" "none" \
	"$(curl -s -m 10 "$URL/cgi-bin/listen.cgi")"

before=$(worker_pids "$ACT_PID")
kill -HUP "$ACT_PID"
sleep 1
after=$(worker_pids "$ACT_PID")
check "SIGHUP: new workers ($before -> $after)" [ -n "$after" -a "$before" != "$after" ]
expect_eq "SIGHUP: still serving the activated socket" 200 "$(status_of "$URL/cgi-bin/index.cgi")"

kill -TERM "$ACT_PID"
wait "$ACT_PID"
expect_eq "SIGTERM: sessionwrap exits 0" 0 "$?"
check "lighttpd stops" stop_pid "$LIGHTTPD_PID"
