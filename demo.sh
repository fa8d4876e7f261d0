#!/bin/sh
# demo.sh — the one command to see sessionwrap work: installs what is
# missing (Debian, apt-get), builds, and serves the demo app (cgi-bin/)
# through lighttpd and sessionwrap on http://127.0.0.1:8080/ until Ctrl-C.
#
#   ./demo.sh                 PORT=9090 ./demo.sh
#
# Environment: PORT (8080), DEMO_DIR (./demo-run: secret, sessions, logs,
# configs, the build), BUILD (build directory, default $DEMO_DIR/build).
set -eu

SRC=$(cd "$(dirname "$0")" && pwd)
PORT=${PORT:-8080}
DEMO_DIR=${DEMO_DIR:-$SRC/demo-run}
BUILD=${BUILD:-$DEMO_DIR/build}
say() { printf 'demo: %s\n' "$*"; }

# --- 1. packages ---------------------------------------------------------------
# Debian package -> a file it provides, so a system without dpkg still works.
need="gcc:/usr/bin/gcc libc6-dev:/usr/include/stdio.h make:/usr/bin/make autoconf:/usr/bin/autoreconf
automake:/usr/bin/automake pkgconf:/usr/bin/pkg-config
libfcgi-dev:/usr/include/fcgiapp.h libsodium-dev:/usr/include/sodium.h
libiniparser-dev:/usr/include/iniparser/iniparser.h
lighttpd:/usr/sbin/lighttpd perl:/usr/bin/perl"
missing=""
for pf in $need; do
	[ -e "${pf#*:}" ] || missing="$missing ${pf%%:*}"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		say "missing Debian packages:$missing"
		say "I am not root, so I cannot install them. Run as root:"
		say "  apt-get update && apt-get install -y$missing"
		exit 1
	fi
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

# --- 2. build ------------------------------------------------------------------
mkdir -p "$DEMO_DIR"
DEMO_DIR=$(cd "$DEMO_DIR" && pwd)
if [ ! -f "$BUILD/Makefile" ]; then
	[ -x "$SRC/configure" ] || { say "autoreconf -fi"; (cd "$SRC" && autoreconf -fi); }
	say "configuring in $BUILD"
	mkdir -p "$BUILD"
	(cd "$BUILD" && "$SRC/configure" -q)
fi
say "building (make)"
make -s -C "$BUILD" >"$DEMO_DIR/build.log" 2>&1 || {
	cat "$DEMO_DIR/build.log"; say "build failed"; exit 1; }
SW="$BUILD/src/sessionwrap"

# --- 3. the demo's files ---------------------------------------------------------
# A fresh copy of the app each run; the secret and the sessions are kept.
rm -rf "$DEMO_DIR/cgi-bin"
mkdir -p "$DEMO_DIR/cgi-bin/lib"
cp "$SRC"/cgi-bin/*.cgi "$SRC/cgi-bin/style.css" "$DEMO_DIR/cgi-bin/"
cp "$SRC/cgi-bin/lib/demo.sh" "$DEMO_DIR/cgi-bin/lib/"
cp "$BUILD/cgi-bin/admin.cgi" "$DEMO_DIR/cgi-bin/"
# 0755 whatever the umask: sessionwrap refuses programs in (or writable
# by) group- or world-writable places ([handler] strict_permissions), and
# a checkout made with umask 002 has group-writable files.
chmod 755 "$DEMO_DIR/cgi-bin" "$DEMO_DIR/cgi-bin/lib" "$DEMO_DIR"/cgi-bin/*.cgi
[ -f "$DEMO_DIR/secret" ] || "$SW" --keygen "$DEMO_DIR/secret" >/dev/null
mkdir -p -m 700 "$DEMO_DIR/sessions"
# The users of sessionwrap's own login form (password: demo), which
# guards whoami.cgi, an old script that only reads REMOTE_USER.
if [ ! -f "$DEMO_DIR/passwd" ]; then
	for u in alice bob admin; do
		printf 'demo\n' | "$BUILD/src/sessionctl" passwd --stdin "$DEMO_DIR/passwd" "$u" >/dev/null
	done
fi

cat >"$DEMO_DIR/sessionwrap.ini" <<EOF
; written by demo.sh; see etc/sessionwrap.ini for every key
[server]
workers = 2
[handler]
root = $DEMO_DIR/cgi-bin
timeout = 30s
[session]
secret_file = $DEMO_DIR/secret
dir = $DEMO_DIR/sessions
[cookie]
secure = off
[access]
rule1 = /whoami.cgi login
password_file = $DEMO_DIR/passwd
login_template = $SRC/etc/login.html
EOF
cat >"$DEMO_DIR/lighttpd.conf" <<EOF
# written by demo.sh
server.document-root = "$DEMO_DIR/cgi-bin"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$DEMO_DIR/lighttpd-error.log"
server.modules += ("mod_access", "mod_fastcgi")
index-file.names = ("index.cgi")
mimetype.assign = (".css" => "text/css", ".html" => "text/html")
url.access-deny = ("~", ".inc", ".sh", ".pl", ".pm", ".c")
fastcgi.server = (".cgi" => ((
	"socket" => "$DEMO_DIR/sessionwrap.sock",
	"check-local" => "disable",
)),
# sessionwrap's own login form and logout.
"/login" => (( "socket" => "$DEMO_DIR/sessionwrap.sock", "check-local" => "disable" )),
"/logout" => (( "socket" => "$DEMO_DIR/sessionwrap.sock", "check-local" => "disable" )),
)
EOF
"$SW" -t -f "$DEMO_DIR/sessionwrap.ini" >/dev/null
lighttpd -tt -f "$DEMO_DIR/lighttpd.conf" >/dev/null

# --- 4. run until Ctrl-C ---------------------------------------------------------
SW_PID="" WEB_PID=""
stop() { # stop EXIT_STATUS
	trap - INT TERM EXIT
	say "stopping"
	for p in $WEB_PID $SW_PID; do kill -TERM "$p" 2>/dev/null || :; done
	for p in $WEB_PID $SW_PID; do wait "$p" 2>/dev/null || :; done
	say "stopped"
	exit "$1"
}
trap 'stop $?' EXIT
trap 'stop 0' INT TERM

"$SW" -f "$DEMO_DIR/sessionwrap.ini" -s "unix:$DEMO_DIR/sessionwrap.sock" \
	>>"$DEMO_DIR/sessionwrap.log" 2>&1 &
SW_PID=$!
i=0
until [ -S "$DEMO_DIR/sessionwrap.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 "$SW_PID" 2>/dev/null; then
		cat "$DEMO_DIR/sessionwrap.log"; say "sessionwrap did not start"; exit 1
	fi
	sleep 0.1
done
lighttpd -D -f "$DEMO_DIR/lighttpd.conf" >>"$DEMO_DIR/lighttpd.log" 2>&1 &
WEB_PID=$!
sleep 0.3
if ! kill -0 "$WEB_PID" 2>/dev/null; then
	cat "$DEMO_DIR/lighttpd.log" "$DEMO_DIR/lighttpd-error.log" 2>/dev/null
	say "lighttpd did not start (is port $PORT free? try PORT=9090 $0)"
	exit 1
fi

say "sessions are kept in $DEMO_DIR/sessions; logs in $DEMO_DIR/*.log"
say "log in as alice, bob or admin (password: demo)"
say "whoami.cgi is guarded by sessionwrap's own login form ([access], same users)"
if [ "$(id -u)" = 0 ]; then
	say "note: started as root, so the demo's CGI programs run as root too;"
	say "  a real deployment sets [server] user (see etc/sessionwrap.ini)"
fi
say "open http://127.0.0.1:$PORT/   (Ctrl-C stops)"
# Wait for either server to end; a signal interrupts the wait.
while kill -0 "$SW_PID" 2>/dev/null && kill -0 "$WEB_PID" 2>/dev/null; do
	sleep 1
done
say "a server exited; see the logs in $DEMO_DIR"
exit 1
