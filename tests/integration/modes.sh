#!/bin/sh
# The three ways to run: lighttpd bin-path spawning sessionwrap (socket on
# fd 0), plain CGI under lighttpd's mod_cgi, and our own tcp/unix bind;
# plus bind failures and `sessionwrap -t`.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
write_config "$T/sw.ini" </dev/null

# --- 1. spawned by lighttpd (bin-path), listening socket on fd 0 ----------
start_lighttpd spawn spawn "$T/sw.ini" </dev/null || notok "lighttpd with bin-path started"
wait_for sh -c "curl -sf '$URL/status.cgi' >/dev/null"
envout=$(curl -s "$URL/env.cgi?spawned=1")
expect_match "bin-path: request served" '^QUERY_STRING=spawned=1$' "$envout"
head -c 3000000 /dev/urandom >"$T/body"
curl -s --data-binary @"$T/body" "$URL/echo.cgi" -o "$T/echoed"
check "bin-path: 3 MB body echoed" cmp -s "$T/body" "$T/echoed"
expect_eq "bin-path: child gets exactly fds 0 1 2" "0 1 2 " \
	"$(curl -s "$URL/fdcheck.cgi" | sort -n | tr '\n' ' ')"
curl -s "$URL/stderr.cgi" >/dev/null
sleep 0.3
expect_match "bin-path: child stderr reaches lighttpd's error log" \
	"stderr.cgi: first complaint" "$(cat "$T/spawn-error.log")"
kill "$LIGHTTPD_PID"; wait "$LIGHTTPD_PID" 2>/dev/null
sleep 0.5
check "bin-path: sessionwrap gone with lighttpd" sh -c "! pgrep -f '[s]essionwrap -f $T/sw.ini' >/dev/null"

# --- 2. plain CGI under mod_cgi ----------------------------------------------
start_lighttpd cgi cgi "$T/sw.ini" </dev/null || notok "lighttpd with mod_cgi started"
envout=$(curl -s "$URL/env.cgi/pi?cgimode=1" -H 'Proxy: evil')
expect_match "CGI mode: request served" '^QUERY_STRING=cgimode=1$' "$envout"
expect_match "CGI mode: PATH_INFO" '^PATH_INFO=/pi$' "$envout"
expect_nomatch "CGI mode: HTTP_PROXY dropped" '^HTTP_PROXY=' "$envout"
expect_nomatch "CGI mode: our own config variable not passed" '^SESSIONWRAP_CONFIG=' "$envout"
curl -s --data-binary @"$T/body" "$URL/echo.cgi" -o "$T/echoed"
check "CGI mode: 3 MB body echoed" cmp -s "$T/body" "$T/echoed"
expect_eq "CGI mode: bad header -> 502" 502 "$(status_of "$URL/bad-header.cgi")"
expect_eq "CGI mode: missing -> 404" 404 "$(status_of "$URL/missing.cgi")"
h=$(curl -s -i "$URL/status.cgi")
expect_match "CGI mode: status and headers" '^HTTP/1.1 201' "$h"
expect_eq "CGI mode: child gets exactly fds 0 1 2" "0 1 2 " \
	"$(curl -s "$URL/fdcheck.cgi" | sort -n | tr '\n' ' ')"
kill "$LIGHTTPD_PID"; wait "$LIGHTTPD_PID" 2>/dev/null

# --- 3. our own tcp socket ---------------------------------------------------
P=$(free_port)
"$SW" -f "$T/sw.ini" -s "tcp:127.0.0.1:$P" >>"$T/sessionwrap.log" 2>&1 &
TCP_PID=$!
PIDS="$PIDS $TCP_PID"
wait_for port_up "$P"
PORT2=$(free_port)
cat >"$T/tcp.conf" <<EOF2
server.document-root = "$T/cgi"
server.bind = "127.0.0.1"
server.port = $PORT2
server.errorlog = "$T/tcp-error.log"
server.modules += ("mod_fastcgi")
fastcgi.server = (".cgi" => (("host" => "127.0.0.1", "port" => $P, "check-local" => "disable")))
EOF2
lighttpd -D -f "$T/tcp.conf" >>"$T/tcp-stdout.log" 2>&1 &
PIDS="$PIDS $!"
wait_for port_up "$PORT2"
expect_match "tcp socket: request served" '^QUERY_STRING=tcp=1$' \
	"$(curl -s "http://127.0.0.1:$PORT2/env.cgi?tcp=1")"

# --- bind failures: one line, exit status 1 ---------------------------------
out=$("$SW" -f "$T/sw.ini" -s "tcp:127.0.0.1:$P" 2>&1); rc=$?
expect_eq "port in use: exit status 1" 1 "$rc"
expect_eq "port in use: one line" 1 "$(printf '%s\n' "$out" | wc -l | tr -d ' ')"
expect_match "port in use: says why" 'cannot listen on tcp:127.0.0.1:[0-9]+: Address already in use' "$out"
out=$("$SW" -f "$T/sw.ini" -s "unix:/nonexistent/dir/sw.sock" 2>&1); rc=$?
expect_eq "unix socket in a missing dir: exit status 1" 1 "$rc"
expect_match "unix socket in a missing dir: says why" 'unix:/nonexistent/dir/sw.sock: No such file or directory' "$out"
: >"$T/plain-file"
out=$("$SW" -f "$T/sw.ini" -s "unix:$T/plain-file" 2>&1); rc=$?
expect_eq "unix path that is a regular file: refused" 1 "$rc"
check "... and the file is left alone" test -f "$T/plain-file"
out=$("$SW" -f "$T/sw.ini" -s "udp:1.2.3.4" 2>&1); rc=$?
expect_eq "unknown socket kind: exit status 1" 1 "$rc"
out=$(env -u GATEWAY_INTERFACE "$SW" -f "$T/sw.ini" </dev/null 2>&1); rc=$?
expect_eq "nothing to serve: exit status 1" 1 "$rc"

# --- unix socket mode: default 0660, or from config ------------------------
"$SW" -f "$T/sw.ini" -s "unix:$T/m.sock" >>"$T/sessionwrap.log" 2>&1 &
M_PID=$!; PIDS="$PIDS $M_PID"
wait_for test -S "$T/m.sock"
expect_eq "unix socket mode defaults to 0660" 660 "$(stat -c %a "$T/m.sock")"
kill "$M_PID"; wait "$M_PID" 2>/dev/null
check "unix socket removed on stop" test ! -e "$T/m.sock"
printf '[server]\nsocket_mode = 0600\n' >"$T/mode.ini"
sed -n '/^\[handler\]/,$p' "$T/sw.ini" >>"$T/mode.ini"
"$SW" -f "$T/mode.ini" -s "unix:$T/m.sock" >>"$T/sessionwrap.log" 2>&1 &
M_PID=$!; PIDS="$PIDS $M_PID"
wait_for test -S "$T/m.sock"
expect_eq "unix socket mode from config" 600 "$(stat -c %a "$T/m.sock")"
kill "$M_PID"; wait "$M_PID" 2>/dev/null

# --- sessionwrap -t ----------------------------------------------------------
out=$("$SW" -t -f "$T/sw.ini" 2>&1); rc=$?
expect_eq "-t on a good config: exit 0" 0 "$rc"
expect_match "-t on a good config: says ok" "configuration ok" "$out"
cat >"$T/bad.ini" <<'EOF2'
[server]
workers = zero
colour = blue
[handler]
root = /nonexistent
timeout = 1 minute
[sesion]
dir = /tmp
EOF2
out=$("$SW" -t -f "$T/bad.ini" 2>&1); rc=$?
expect_eq "-t on a bad config: exit 1" 1 "$rc"
expect_match "-t names file, section and key: bad number" "$T/bad.ini: \[server\] workers: 'zero'" "$out"
expect_match "-t names file, section and key: unknown key" "$T/bad.ini: \[server\] colour: unknown key" "$out"
expect_match "-t names file, section and key: bad duration" "$T/bad.ini: \[handler\] timeout: '1 minute' is not a duration" "$out"
expect_match "-t names the root that does not exist" "\[handler\] root: /nonexistent: No such file" "$out"
expect_match "-t names an unknown section" "\[sesion\]: unknown section" "$out"
out=$("$SW" -t -f "$T/none.ini" 2>&1); rc=$?
expect_eq "-t on a missing file: exit 1" 1 "$rc"
expect_match "-t on a missing file: names it" "$T/none.ini: cannot open" "$out"

# --- [handler] program: one fixed program for every request -------------------
printf '[handler]\nprogram = %s/cgi/env.cgi\ntimeout = 10s\n' "$T" >"$T/program.ini"
"$SW" -f "$T/program.ini" -s "unix:$T/p.sock" >>"$T/sessionwrap.log" 2>&1 &
P_PID=$!; PIDS="$PIDS $P_PID"
wait_for test -S "$T/p.sock"
start_lighttpd program socket "$T/p.sock" </dev/null || notok "lighttpd for program mode started"
out=$(curl -s "$URL/anything.cgi?fixed=1")
expect_match "program mode: the fixed program answers any script name" '^QUERY_STRING=fixed=1$' "$out"
expect_match "program mode: it still sees the requested SCRIPT_NAME" '^SCRIPT_NAME=/anything.cgi$' "$out"
expect_match "program mode: runs in the program's directory" "^CWD=$T/cgi\$" "$out"
