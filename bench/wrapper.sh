#!/bin/bash
# bench/wrapper.sh — sessionwrap against Debian's fcgiwrap, side by side.
#
# Starts one lighttpd per side on a run-time loopback port, each in front of
# its own FastCGI application on its own unix socket, both running the same
# tiny CGI program with the same number of workers, and loads them with wrk in
# alternating rounds (A B A B ... so that the noise of a shared machine falls
# on both sides alike).  Prints requests/s, p50 and p99 latency per round and
# overall, and the ratio sessionwrap / fcgiwrap.
#
#   bench/wrapper.sh                 plain: a tiny C CGI program
#   bench/wrapper.sh --sh            plain: a tiny /bin/sh CGI script
#   bench/wrapper.sh --post          plain: a C CGI program echoing a 16 KiB
#                                    POST body while it reads it (the
#                                    answer sessionwrap holds back until
#                                    the body is in)
#   bench/wrapper.sh --sessions      the C CGI reads and writes one session
#                                    key per request (cookie kept per
#                                    connection); sessionwrap with sessions, file
#                                    store with fsync on and with fsync off,
#                                    the Redis store (REDIS=off: not) and
#                                    the cookie store (COOKIE=off: not),
#                                    against fcgiwrap without sessions
#                                    (bench/sessions.sh runs this)
#
# Environment knobs (defaults in brackets):
#   SW        the sessionwrap binary [_build/src/sessionwrap, searched]
#   WORKERS   FastCGI workers of each application [2; with --sessions 4,
#             sessionwrap's shipped default: with fsync on, a worker waits
#             for the disk at each commit, and the default is sized for it]
#   THREADS   wrk threads [2; with --sessions, CONNS]
#   CONNS     wrk connections [8]
#   DURATION  seconds per round [10]  ROUNDS rounds per side [3]
#   CC        compiler for the CGI program [cc]
#   PERF_SIDE, PERF_OUT  profile: run the wrk of side PERF_SIDE (sw, swon,
#             swoff or fw) under `perf record -a -g -o PERF_OUT` (whole
#             machine, so the server, its workers and the CGI children show)
#   STORE_PARENT  where the session stores go [the temporary directory;
#             e.g. /dev/shm for tmpfs]
#
# Needs lighttpd, fcgiwrap, wrk, cc, python3 (free ports), curl.  Everything
# listens on 127.0.0.1 or unix sockets in a temporary directory; everything
# started here is stopped on exit.
set -u

MODE=plain
case ${1:-} in
"" | --plain) MODE=plain ;;
--sh) MODE=sh ;;
--post) MODE=post ;;
--sessions) MODE=sessions ;;
-h | --help) sed -n '2,41p' "$0"; exit 0 ;;
*) echo "usage: $0 [--plain|--sh|--post|--sessions]" >&2; exit 2 ;;
esac

if [ "$MODE" = sessions ]; then WORKERS=${WORKERS:-4}; else WORKERS=${WORKERS:-2}; fi
CONNS=${CONNS:-8}
# With sessions a wrk thread keeps one cookie, so one connection per thread
# keeps the cookie per connection.
if [ "$MODE" = sessions ]; then THREADS=${THREADS:-$CONNS}; else THREADS=${THREADS:-2}; fi
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CC=${CC:-cc}

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ -z "${SW:-}" ]; then
	for c in "$top/_build/src/sessionwrap" "$top/src/sessionwrap"; do
		[ -x "$c" ] && { SW=$c; break; }
	done
fi
[ -x "${SW:-}" ] || { echo "sessionwrap binary not found: build it, or set SW=" >&2; exit 2; }
for p in lighttpd fcgiwrap wrk python3 curl "$CC"; do
	command -v "$p" >/dev/null || { echo "missing: $p" >&2; exit 2; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/swbench.XXXXXX")
chmod 755 "$T"
GROUPS_STARTED=""
EXTRA_CLEAN=""

cleanup() {
	trap - EXIT INT TERM
	for g in $GROUPS_STARTED; do kill -TERM -- "-$g" 2>/dev/null; done
	sleep 0.5
	for g in $GROUPS_STARTED; do kill -KILL -- "-$g" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then echo "kept $T ${EXTRA_CLEAN:-}"
	else rm -rf "$T" ${EXTRA_CLEAN:+"$EXTRA_CLEAN"}; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start LOG CMD...: in its own process group, so that cleanup reaches
# every process it forks (workers, CGI children).
start() {
	log=$1; shift
	setsid "$@" >>"$log" 2>&1 </dev/null &
	GROUPS_STARTED="$GROUPS_STARTED $!"
	LAST_PID=$!
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# --- the CGI programs --------------------------------------------------
mkdir -p "$T/cgi"
cat >"$T/hello.c" <<'EOF'
#include <stdio.h>
int main(void)
{
	fputs("Content-Type: text/plain\r\n\r\nhello, world\n", stdout);
	return 0;
}
EOF
# Reads one session key and writes it back incremented.  Under fcgiwrap
# SESSION_count is never set and the header just goes to the client.
cat >"$T/counter.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	const char *c = getenv("SESSION_count");
	long n = c ? strtol(c, NULL, 10) : 0;
	printf("Content-Type: text/plain\r\nX-Session-Set: count=%ld\r\n\r\n"
	    "count=%ld\n", n + 1, n);
	return 0;
}
EOF
# Copies its body to its answer as it reads it, 4 KiB at a time.
cat >"$T/echo.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	char buf[4096];
	ssize_t n;
	fputs("Content-Type: application/octet-stream\r\n\r\n", stdout);
	fflush(stdout);
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return 0;
}
EOF
cat >"$T/cgi/hello-sh.cgi" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\nhello, world\n'
EOF
$CC -O2 -o "$T/cgi/hello.cgi" "$T/hello.c" || exit 1
$CC -O2 -o "$T/cgi/counter.cgi" "$T/counter.c" || exit 1
$CC -O2 -o "$T/cgi/echo.cgi" "$T/echo.c" || exit 1
chmod 755 "$T"/cgi/*.cgi

case $MODE in
plain) SCRIPT=hello.cgi ;;
sh) SCRIPT=hello-sh.cgi ;;
sessions) SCRIPT=counter.cgi ;;
post) SCRIPT=echo.cgi ;;
esac

# --- wrk scripts -------------------------------------------------------
# done(): one machine-readable line (latencies in microseconds).
cat >"$T/report.lua" <<'EOF'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %d %d %d %d %d %d\n",
		summary.requests, summary.duration,
		latency:percentile(50), latency:percentile(99),
		e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
# Sessions: each wrk thread (its own Lua state) keeps the session cookie it
# was given and sends it back on its following requests.
cat "$T/report.lua" - >"$T/session.lua" <<'EOF'
local cookie = nil
request = function()
	if cookie then wrk.headers["Cookie"] = cookie end
	return wrk.format()
end
response = function(status, headers, body)
	local sc = headers["Set-Cookie"] or headers["set-cookie"]
	if sc then cookie = sc:match("^([^;]*)") end
end
EOF
# POST: the same 16 KiB body on every request.
cat "$T/report.lua" - >"$T/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = string.rep("0123456789abcdef", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF
LUA=$T/report.lua
[ "$MODE" = sessions ] && LUA=$T/session.lua
[ "$MODE" = post ] && LUA=$T/post.lua

# --- the applications --------------------------------------------------
sw_config() { # FILE [session lines on stdin]
	{
		printf '[server]\nworkers = %s\nlog_level = warn\n' "$WORKERS"
		printf '[handler]\nroot = %s/cgi\ntimeout = 30s\n' "$T"
		cat
	} >"$1"
}

# lighttpd NAME SOCKET: sets PORT_<NAME>
lighttpd_for() {
	name=$1 sock=$2
	port=$(free_port)
	cat >"$T/$name-lighttpd.conf" <<EOF
server.document-root = "$T/cgi"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/$name-error.log"
server.max-connections = 1024
server.modules += ("mod_fastcgi")
fastcgi.server = (".cgi" => (("socket" => "$sock", "check-local" => "disable")))
EOF
	start "$T/$name-lighttpd.log" lighttpd -D -f "$T/$name-lighttpd.conf"
	wait_for curl -s -o /dev/null "http://127.0.0.1:$port/" || {
		echo "lighttpd for $name did not start" >&2; cat "$T/$name-error.log" >&2; exit 1; }
	eval "PORT_$name=$port"
}

SIDES=""
LABELS=""
add_side() { SIDES="$SIDES $1"; eval "LABEL_$1=\"\$2\""; }

# fcgiwrap, no sessions, in every mode
start "$T/fcgiwrap.log" fcgiwrap -c "$WORKERS" -s "unix:$T/fcgiwrap.sock"
wait_for test -S "$T/fcgiwrap.sock" || { echo "fcgiwrap did not start" >&2; exit 1; }
lighttpd_for fw "$T/fcgiwrap.sock"

if [ "$MODE" = sessions ]; then
	"$SW" --keygen "$T/secret" >/dev/null || exit 1
	STORE_BASE=$T
	if [ -n "${STORE_PARENT:-}" ]; then
		STORE_BASE=$(mktemp -d "$STORE_PARENT/swbench-store.XXXXXX") || exit 1
		EXTRA_CLEAN=$STORE_BASE
	fi
	for fs in on off; do
		mkdir -m 700 "$STORE_BASE/store-fsync-$fs"
		sw_config "$T/sw-fsync-$fs.ini" <<EOF
[session]
secret_file = $T/secret
dir = $STORE_BASE/store-fsync-$fs
fsync = $fs
EOF
		"$SW" -t -f "$T/sw-fsync-$fs.ini" >/dev/null || exit 1
		start "$T/sw-fsync-$fs.log" "$SW" -f "$T/sw-fsync-$fs.ini" -s "unix:$T/sw-fsync-$fs.sock"
		wait_for test -S "$T/sw-fsync-$fs.sock" || { echo "sessionwrap did not start" >&2; cat "$T/sw-fsync-$fs.log" >&2; exit 1; }
	done
	lighttpd_for swon "$T/sw-fsync-on.sock"
	lighttpd_for swoff "$T/sw-fsync-off.sock"
	add_side swon "sessionwrap+sessions fsync=on"
	add_side swoff "sessionwrap+sessions fsync=off"
	# The Redis store, on a redis-server of the run's own (unix socket,
	# no persistence), when there is one and the build has it (REDIS=off:
	# not at all).
	if [ "${REDIS:-on}" != off ] && command -v redis-server >/dev/null; then
		printf '[session]\nsecret_file = %s/secret\nstore = redis\n[redis]\naddress = unix:%s/redis.sock\n' \
			"$T" "$T" | sw_config "$T/sw-redis.ini"
		if "$SW" -t -f "$T/sw-redis.ini" 2>&1 | grep -q 'built without Redis'; then
			echo "# no Redis side: $SW was built without hiredis" >&2
		else
			start "$T/redis.log" redis-server --port 0 --unixsocket "$T/redis.sock" \
				--unixsocketperm 700 --dir "$T" --save '' --appendonly no
			wait_for test -S "$T/redis.sock" || { echo "redis-server did not start" >&2; exit 1; }
			start "$T/sw-redis.log" "$SW" -f "$T/sw-redis.ini" -s "unix:$T/sw-redis.sock"
			wait_for test -S "$T/sw-redis.sock" || { echo "sessionwrap did not start" >&2; cat "$T/sw-redis.log" >&2; exit 1; }
			lighttpd_for swredis "$T/sw-redis.sock"
			add_side swredis "sessionwrap+sessions redis"
		fi
	fi
	# The cookie store: no server state, the session sealed into the
	# cookie the wrk thread sends back (COOKIE=off: not at all).
	if [ "${COOKIE:-on}" != off ]; then
		printf '[session]\nsecret_file = %s/secret\nstore = cookie\n' "$T" | sw_config "$T/sw-cookie.ini"
		"$SW" -t -f "$T/sw-cookie.ini" >/dev/null || exit 1
		start "$T/sw-cookie.log" "$SW" -f "$T/sw-cookie.ini" -s "unix:$T/sw-cookie.sock"
		wait_for test -S "$T/sw-cookie.sock" || { echo "sessionwrap did not start" >&2; cat "$T/sw-cookie.log" >&2; exit 1; }
		lighttpd_for swcookie "$T/sw-cookie.sock"
		add_side swcookie "sessionwrap+sessions cookie"
	fi
else
	sw_config "$T/sw.ini" </dev/null
	"$SW" -t -f "$T/sw.ini" >/dev/null || exit 1
	start "$T/sw.log" "$SW" -f "$T/sw.ini" -s "unix:$T/sw.sock"
	wait_for test -S "$T/sw.sock" || { echo "sessionwrap did not start" >&2; cat "$T/sw.log" >&2; exit 1; }
	lighttpd_for sw "$T/sw.sock"
	add_side sw "sessionwrap"
fi
add_side fw "fcgiwrap"

# --- sanity: every side answers the script with 200 --------------------
for s in $SIDES; do
	eval "port=\$PORT_$s"
	body=$(curl -s -c "$T/jar-$s" -b "$T/jar-$s" "http://127.0.0.1:$port/$SCRIPT")
	body2=$(curl -s -w ' %{http_code}' -c "$T/jar-$s" -b "$T/jar-$s" "http://127.0.0.1:$port/$SCRIPT")
	case $body2 in
	*' 200') ;;
	*) echo "side $s does not answer 200 for /$SCRIPT: $body2" >&2; exit 1 ;;
	esac
	if [ "$MODE" = sessions ] && [ "$s" != fw ] && [ "$body $body2" != "count=0 count=1
 200" ]; then
		echo "side $s: the session counter does not count ($body / $body2)" >&2; exit 1
	fi
done

# --- the rounds --------------------------------------------------------
echo "# sessionwrap vs fcgiwrap — mode=$MODE script=$SCRIPT workers=$WORKERS" \
	"wrk -t$THREADS -c$CONNS -d${DURATION}s, $ROUNDS rounds per side, alternating"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-32s %5s %10s %10s %10s %8s\n' side round req/s p50_ms p99_ms errors
for r in $(seq 1 "$ROUNDS"); do
	for s in $SIDES; do
		eval "port=\$PORT_$s label=\$LABEL_$s"
		prof=""
		[ "${PERF_SIDE:-}" = "$s" ] && prof="perf record -q -a -g -o ${PERF_OUT:-perf.data}.$r --"
		out=$(timeout $((DURATION + 30)) $prof wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" \
			--latency -s "$LUA" "http://127.0.0.1:$port/$SCRIPT" 2>&1)
		line=$(printf '%s\n' "$out" | grep '^RESULT ' | tail -1)
		if [ -z "$line" ]; then
			echo "wrk failed on $s:" >&2; printf '%s\n' "$out" >&2; exit 1
		fi
		echo "$s $r $line" >>"$T/results"
		set -- $line
		awk -v l="$label" -v r="$r" -v n="$2" -v d="$3" -v p50="$4" -v p99="$5" -v st="$6" -v er="$7" \
			'BEGIN { printf "%-32s %5d %10.1f %10.2f %10.2f %8d\n", l, r, n / (d / 1e6), p50 / 1000, p99 / 1000, st + er }'
	done
done

# --- summary: mean req/s, median p50/p99 over rounds ------------------
echo
echo "# summary (req/s: mean of rounds, latency: median of rounds' percentiles)"
printf '%-32s %10s %10s %10s %8s %s\n' side req/s p50_ms p99_ms errors ratio_vs_fcgiwrap
summary() { # side -> "rps p50 p99 errors"
	awk -v s="$1" '$1 == s {
		n++; rps += $4 / ($5 / 1e6); p50[n] = $6; p99[n] = $7; err += $8 + $9 }
		function med(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		END { printf "%.1f %.2f %.2f %d\n", rps / n, med(p50, n) / 1000, med(p99, n) / 1000, err }' "$T/results"
}
set -- $(summary fw)
fw_rps=$1
for s in $SIDES; do
	eval "label=\$LABEL_$s"
	set -- $(summary "$s")
	ratio=$(awk -v a="$1" -v b="$fw_rps" 'BEGIN { printf "%.3f", a / b }')
	printf '%-32s %10s %10s %10s %8s %s\n' "$label" "$1" "$2" "$3" "$4" "$ratio"
done

if [ "$MODE" = sessions ]; then
	echo
	for fs in on off; do
		echo "# store $STORE_BASE/store-fsync-$fs ($(stat -f -c %T "$STORE_BASE")): $(find "$STORE_BASE/store-fsync-$fs" -type f | wc -l) files after the run"
	done
fi
for s in $SIDES; do
	[ -s "$T/$s-error.log" ] && grep -v 'server started\|server stopped\|gracefully' "$T/$s-error.log" | head -5 | sed "s/^/# $s lighttpd: /"
done
for f in "$T"/sw.log "$T"/sw-fsync-*.log "$T"/sw-redis.log "$T"/sw-cookie.log; do
	[ -s "$f" ] && head -5 "$f" | sed "s/^/# $(basename "$f"): /"
done
exit 0
