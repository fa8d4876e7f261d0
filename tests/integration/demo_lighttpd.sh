#!/bin/sh
# The demo app through lighttpd with the shipped configurations: mod_fastcgi
# connecting to sessionwrap's socket (etc/lighttpd/sessionwrap-socket.conf)
# and mod_fastcgi spawning sessionwrap (etc/lighttpd/sessionwrap-spawn.conf).
. "$SW_SRCDIR/tests/lib.sh"
. "$SW_SRCDIR/tests/integration/demo.inc"

demo_setup </dev/null
check "the demo's config passes sessionwrap -t" "$SW" -t -f "$T/sw.ini"

# --- sessionwrap on its own socket, lighttpd connecting ---------------------
localize "$SW_SRCDIR/etc/lighttpd/sessionwrap-socket.conf" "$T/socket.conf"
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd_with websock "$T/socket.conf" || notok "lighttpd (socket) started"
echo "# lighttpd + sessionwrap socket on $URL"
demo_flow "$URL/cgi-bin"
check "lighttpd (socket) stops" stop_pid "$LIGHTTPD_PID"
check "sessionwrap stops on SIGTERM" stop_pid "$SW_PID"

# --- lighttpd spawning sessionwrap (bin-path) --------------------------------
localize "$SW_SRCDIR/etc/lighttpd/sessionwrap-spawn.conf" "$T/spawn.conf"
start_lighttpd_with webspawn "$T/spawn.conf" || notok "lighttpd (spawn) started"
echo "# lighttpd spawning sessionwrap on $URL"
demo_flow "$URL/cgi-bin"
check "a sessionwrap spawned by lighttpd runs" pgrep -f "$SW -f $T/sw.ini"
check "lighttpd (spawn) stops" stop_pid "$LIGHTTPD_PID"
sleep 0.5
check "the spawned sessionwrap stopped with lighttpd" no_proc "$SW -f $T/sw.ini"
