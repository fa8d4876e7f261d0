# tests/lib.sh — shared by the integration tests: temporary directories,
# ports chosen at run time, real servers started and always stopped, and
# TAP-like "ok - " / "not ok - " lines.
set -u
: "${SW_SRCDIR:?}" "${SW_BUILDDIR:?}"
# Whatever the caller's umask: a group-writable CGI directory would be
# refused ([handler] strict_permissions).
umask 022
SW="$SW_BUILDDIR/src/sessionwrap"
T=$(mktemp -d "${TMPDIR:-/tmp}/swtest.XXXXXX")
chmod 755 "$T"
PIDS=""

cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	if [ -n "${SW_TEST_OUTPUT:-}" ]; then
		mkdir -p "$SW_TEST_OUTPUT/$(basename "$0" .sh)"
		cp "$T"/*.log "$SW_TEST_OUTPUT/$(basename "$0" .sh)/" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A python3 found first in PATH may be a version manager's shim (pyenv's
# takes a second or more to start on a loaded machine): the tests' few
# stdlib-only scripts run on the system's python3 when there is one.
if [ -x /usr/bin/python3 ]; then python3() { /usr/bin/python3 "$@"; }; fi

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
# check "description" command...: ok if the command succeeds
check() {
	d=$1; shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
# expect_eq "description" expected actual
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (expected '$2', got '$3')"; fi
}
# expect_match "description" regex text
expect_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"
	else notok "$1 (no match for /$2/ in: $(printf '%s' "$3" | head -c 300))"; fi
}
expect_nomatch() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		notok "$1 (unexpected /$2/ in: $(printf '%s' "$3" | head -c 300))"
	else ok "$1"; fi
}

# (perl, not python3: it starts ten times faster, and tests start many)
free_port() {
	perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		LocalPort => 0, Proto => "tcp")->sockport, "\n"'
}

# wait_for CMD...: up to 10 s
wait_for() {
	i=0
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}
# sh has no /dev/tcp: use bash for it
port_up() { bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# The CGI directory of a test: copies of the scripts in tests/cgi and the
# helper programs built there.
make_cgi_dir() {
	mkdir -p "$T/cgi"
	cp "$SW_SRCDIR"/tests/cgi/*.cgi "$T/cgi/"
	[ -x "$SW_BUILDDIR/tests/cgi/fdcheck" ] && cp "$SW_BUILDDIR/tests/cgi/fdcheck" "$T/cgi/fdcheck.cgi"
	chmod 755 "$T"/cgi/*.cgi
}

# streamed_lines URL [curl args]: how many lines of stream.cgi (one every
# 0.1 s) under URL arrive within the first second.
streamed_lines() {
	u=$1; shift
	curl -s -m 1 "$@" "$u/stream.cgi" | grep -c '^line '
}

# check_echo DESCRIPTION BYTES URL: BYTES random bytes posted to echo.cgi
# under URL, which sends them back as it reads them, come back whole.
check_echo() {
	cp "$SW_SRCDIR/tests/cgi/echo.cgi" "$T/cgi/echo.cgi"
	chmod 755 "$T/cgi/echo.cgi"
	head -c "$2" /dev/urandom >"$T/echo.in"
	curl -s -m 20 --data-binary @"$T/echo.in" "$3/echo.cgi" >"$T/echo.out"
	check "$1" cmp -s "$T/echo.in" "$T/echo.out"
}

# check_write_first DESCRIPTION BYTES URL: write-first.cgi under URL writes
# 10 MB before it reads a body of BYTES random bytes, then the body's
# sha256: all of it comes back, and the program read the whole body.
check_write_first() {
	cp "$SW_SRCDIR/tests/cgi/write-first.cgi" "$T/cgi/"
	head -c "$2" /dev/urandom >"$T/wf.in"
	curl -s -m 60 --data-binary @"$T/wf.in" "$3/write-first.cgi" -o "$T/wf.out"
	expect_eq "$1: 10 MB answer whole" "$(( 10485760 + 65 ))" \
		"$(wc -c <"$T/wf.out" | tr -d ' ')"
	expect_eq "$1: the program read the whole body" \
		"$(sha256sum <"$T/wf.in" | cut -c1-64)" "$(tail -c 65 "$T/wf.out" | head -c 64)"
}

# write_config FILE [extra INI lines on stdin]: a config rooted at $T/cgi.
write_config() {
	{
		printf '[server]\nworkers = %s\nlog_level = %s\n' "${WORKERS:-2}" "${LOG_LEVEL:-info}"
		printf '[handler]\nroot = %s/cgi\ntimeout = %s\n' "$T" "${TIMEOUT:-10s}"
		cat
	} >"$1"
}

# start_sw CONFIG SOCKET: sessionwrap binding its own unix socket.
start_sw() {
	"$SW" -f "$1" -s "unix:$2" >>"$T/sessionwrap.log" 2>&1 &
	SW_PID=$!
	PIDS="$PIDS $SW_PID"
	wait_for test -S "$2"
}

# start_lighttpd NAME MODE ...: lighttpd on a fresh port in front of
#   MODE socket PATH      mod_fastcgi connecting to a socket
#   MODE spawn CONFIG     mod_fastcgi bin-path spawning sessionwrap
#   MODE cgi CONFIG       mod_cgi running sessionwrap as a CGI program
# Sets PORT and URL.
start_lighttpd() {
	name=$1 mode=$2 arg=$3
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	conf="$T/$name.conf"
	{
		echo "server.document-root = \"$T/cgi\""
		echo "server.bind = \"127.0.0.1\""
		echo "server.port = $PORT"
		echo "server.errorlog = \"$T/$name-error.log\""
		echo "server.max-request-size = 1048576"
		echo 'server.stream-request-body = 2'
		echo 'server.stream-response-body = 2'
		echo 'mimetype.assign = (".html" => "text/html")'
		case $mode in
		socket)
			echo 'server.modules += ("mod_fastcgi")'
			echo "fastcgi.server = (\".cgi\" => ((\"socket\" => \"$arg\", \"check-local\" => \"disable\")))"
			;;
		spawn)
			echo 'server.modules += ("mod_fastcgi")'
			echo "fastcgi.server = (\".cgi\" => ((\"socket\" => \"$T/$name-spawn.sock\", \"bin-path\" => \"$SW -f $arg\", \"max-procs\" => 1, \"check-local\" => \"disable\")))"
			;;
		cgi)
			echo 'server.modules += ("mod_cgi", "mod_setenv")'
			echo "cgi.assign = (\".cgi\" => \"$SW\")"
			echo "setenv.add-environment = (\"SESSIONWRAP_CONFIG\" => \"$arg\")"
			;;
		esac
		cat
	} >"$conf"
	lighttpd -D -f "$conf" >>"$T/$name-stdout.log" 2>&1 &
	LIGHTTPD_PID=$!
	PIDS="$PIDS $LIGHTTPD_PID"
	wait_for port_up "$PORT"
}

# status_of URL [curl args]: the HTTP status code only
status_of() {
	u=$1; shift
	curl -s -o /dev/null -w '%{http_code}' "$@" "$u"
}

# worker_pids MASTER: the master's worker processes
worker_pids() { pgrep -P "$1" | tr '\n' ' '; }

# sw_reload: SIGHUP to $SW_PID, then wait (up to 10 s) until the log
# ($T/sessionwrap.log) says it reloaded or refused to, and, after a
# reload, until every worker from before is gone: requests after it are
# served under the new configuration.
sw_reload() {
	rl_ok=$(grep -c 'configuration reloaded' "$T/sessionwrap.log")
	rl_no=$(grep -c 'reload refused' "$T/sessionwrap.log")
	rl_old=$(worker_pids "$SW_PID")
	kill -HUP "$SW_PID"
	wait_for sh -c "[ \$(grep -c 'configuration reloaded' '$T/sessionwrap.log') -gt $rl_ok ] ||
		[ \$(grep -c 'reload refused' '$T/sessionwrap.log') -gt $rl_no ]" || return 1
	[ "$(grep -c 'configuration reloaded' "$T/sessionwrap.log")" -gt "$rl_ok" ] || return 0
	wait_for sh -c "for p in $rl_old; do pgrep -P $SW_PID | grep -qx \$p && exit 1; done; exit 0"
}

# --- sessions ---------------------------------------------------------------
# The session store the tests run on: file (the default), or with
# SW_STORE=redis a redis-server of the test's own (start_redis), which
# write_session_config starts and names in [redis].  The store_* helpers
# look at the records whichever it is.
SW_STORE=${SW_STORE:-file}
# start_redis NAME [redis-server args]: a redis-server on the unix socket
# $T/NAME.sock only (port 0), nothing saved to disk; sets REDIS_SOCK and
# REDIS_PID.
start_redis() {
	rn=$1; shift
	redis-server --port 0 --unixsocket "$T/$rn.sock" --unixsocketperm 700 \
		--dir "$T" --dbfilename "$rn.rdb" --save '' --appendonly no \
		--logfile "$T/$rn.log" "$@" &
	REDIS_PID=$!
	PIDS="$PIDS $REDIS_PID"
	REDIS_SOCK="$T/$rn.sock"
	wait_for redis_up "$REDIS_SOCK"
}
redis_up() { [ "$(redis-cli -s "$1" ping 2>/dev/null)" = PONG ]; }
rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }
# store_records: one line per record (a file's path, a Redis key); not
# the per-user index (users/ in the file store, sessionwrap:u:* in Redis)
store_records() {
	if [ "$SW_STORE" = redis ]; then rcli --scan --pattern 'sessionwrap:*' | grep -v '^sessionwrap:u:'
	else find "${STORE:-$T/store}" -path '*/users' -prune -o -type f ! -name '.lock' ! -name '.tmp-*' -print 2>/dev/null; fi
}
store_count() { store_records | grep -c . | tr -d ' '; }
# store_value RECORD: its bytes
store_value() {
	if [ "$SW_STORE" = redis ]; then rcli --raw GET "$1"; else cat "$1"; fi
}
store_clear() {
	if [ "$SW_STORE" = redis ]; then store_records | while read -r k; do rcli DEL "$k" >/dev/null; done
	else find "${STORE:-$T/store}" -type f ! -name '.lock' -delete; fi
}
# store_holds PATTERN...: whether any record's bytes hold a pattern (grep -e)
store_holds() {
	for r in $(store_records); do
		store_value "$r" | grep -qa "$@" && return 0
	done
	return 1
}
# hq "Header: value" -> the h= query parameter sess.cgi turns into a header
# (every byte but A-Z a-z 0-9 _ . ~ - percent-encoded)
hq() { perl -e '$_ = shift; s/([^A-Za-z0-9_.~-])/sprintf("%%%02X", ord $1)/ge; print "h=$_\n"' -- "$1"; }
# The session store the tests run on: file (the default), or with
# SW_STORE=cookie the cookie store (no server state: a test that needs
# some asserts the documented behaviour instead when SW_STORE=cookie).
SW_STORE=${SW_STORE:-file}
# write_session_config FILE [extra [session]/[cookie] lines on stdin]
write_session_config() {
	[ -f "$T/secret" ] || "$SW" --keygen "$T/secret" >/dev/null
	[ "$SW_STORE" = redis ] && [ -z "${REDIS_SOCK:-}" ] && start_redis redis
	{
		printf '[server]\nworkers = %s\nlog_level = %s\n' "${WORKERS:-2}" "${LOG_LEVEL:-info}"
		printf '[handler]\nroot = %s/cgi\ntimeout = %s\n' "$T" "${TIMEOUT:-10s}"
		if [ "$SW_STORE" = redis ]; then
			printf '[session]\nsecret_file = %s/secret\nstore = redis\n' "$T"
			cat
			printf '[redis]\naddress = unix:%s\n' "$REDIS_SOCK"
		elif [ "$SW_STORE" = cookie ]; then
			printf '[session]\nsecret_file = %s/secret\nstore = cookie\n' "$T"
			cat
		else
			printf '[session]\nsecret_file = %s/secret\ndir = %s\n' "$T" "${STORE:-$T/store}"
			cat
		fi
	} >"$1"
}
# sreq JAR PATH [curl args]: a request with a cookie jar; headers in $T/h
# (or in $HF: checks run in parallel each set their own)
sreq() {
	j=$1 p=$2; shift 2
	curl -s -D "${HF:-$T/h}" -b "$j" -c "$j" "$@" "$URL/$p"
}
hdr() { tr -d '\r' <"${HF:-$T/h}"; }
# answered DESCRIPTION CODE: the last answer in $T/h had status CODE (so
# that a check for something absent from it cannot pass on a failure).
answered() { expect_match "$1 (answered $2)" "^HTTP/[0-9.]+ $2 " "$(hdr | head -n 1)"; }

# client_writes C URL N: client C sets c<C>=1..N, one request each, with
# the cookie jar $J, and notes in $T/committed.C each that got a 200.
# (Run in the background, one per client.)
client_writes() {
	i=1
	while [ $i -le "$3" ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$2/setkey.cgi?c$1=$i")
		[ "$code" = 200 ] && echo "c$1=$i" >>"$T/committed.$1"
		i=$((i + 1))
	done
}

# --- nginx --------------------------------------------------------------------
# nginx_conf SNIPPET: $T/nginx/nginx.conf for nginx on a fresh port (sets
# PORT) serving $T/htdocs and including SNIPPET (a localized copy of
# etc/nginx/sessionwrap.conf, which includes Debian's fastcgi_params).
nginx_conf() {
	PORT=$(free_port)
	mkdir -p "$T/nginx" "$T/htdocs"
	cp /etc/nginx/fastcgi_params "$T/nginx/"
	cat >"$T/nginx/nginx.conf" <<EOF2
daemon off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx-error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	client_max_body_size 20m;
	server {
		listen 127.0.0.1:$PORT;
		server_name 127.0.0.1;
		root $T/htdocs;
		include $1;
	}
}
EOF2
}
# start_nginx: nginx in the foreground with $T/nginx/nginx.conf; sets
# NGINX_PID and waits for its port.
start_nginx() {
	nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>>"$T/nginx-error.log" &
	NGINX_PID=$!
	PIDS="$PIDS $NGINX_PID"
	wait_for port_up "$PORT"
}

# redis_build_or_exit: a build without hiredis must refuse store = redis
# and say why; a Redis test checks that much there, and ends.
redis_build_or_exit() {
	"$SW" --keygen "$T/secret" >/dev/null
	printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\nstore = redis\n[redis]\naddress = unix:%s/none.sock\n' \
		"$T" "$T" "$T" >"$T/probe.ini"
	out=$("$SW" -t -f "$T/probe.ini" 2>&1)
	if printf '%s' "$out" | grep -q 'built without Redis support'; then
		expect_match "a build without hiredis: -t refuses store = redis, naming the key and the cause" \
			'\[session\] store: .redis.: this sessionwrap was built without Redis support' "$out"
		exit 0
	fi
}
