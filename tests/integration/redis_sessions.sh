#!/bin/sh
# The session suites (sessions.sh, session_lifetimes.sh, concurrency.sh)
# once more, unchanged, on the Redis store: SW_STORE=redis makes
# tests/lib.sh start a redis-server of each suite's own (unix socket) and
# write [session] store = redis.  Their lines come out as "redis: ...".
# A build without hiredis must refuse store = redis and say why.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
"$SW" --keygen "$T/secret" >/dev/null
printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\nstore = redis\n[redis]\naddress = unix:%s/none.sock\n' \
	"$T" "$T" "$T" >"$T/probe.ini"
out=$("$SW" -t -f "$T/probe.ini" 2>&1)
if printf '%s' "$out" | grep -q 'built without Redis support'; then
	expect_match "a build without hiredis: -t refuses store = redis, naming the key and the cause" \
		'\[session\] store: .redis.: this sessionwrap was built without Redis support' "$out"
	exit 0
fi
for s in sessions session_lifetimes concurrency; do
	SW_STORE=redis SW_TEST_OUTPUT="${SW_TEST_OUTPUT:+$SW_TEST_OUTPUT/redis_sessions}" \
		sh "$SW_SRCDIR/tests/integration/$s.sh" 2>&1 |
		sed "s/^ok - /ok - redis: $s: /; s/^not ok - /not ok - redis: $s: /"
done
