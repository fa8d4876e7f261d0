#!/bin/sh
# The session suites (sessions.sh, session_lifetimes.sh, concurrency.sh)
# once more, unchanged, on the Redis store: SW_STORE=redis makes
# tests/lib.sh start a redis-server of each suite's own (unix socket) and
# write [session] store = redis.  Their lines come out as "redis: ...".
# A build without hiredis must refuse store = redis and say why.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
redis_build_or_exit
for s in sessions session_lifetimes concurrency; do
	SW_STORE=redis SW_TEST_OUTPUT="${SW_TEST_OUTPUT:+$SW_TEST_OUTPUT/redis_sessions}" \
		sh "$SW_SRCDIR/tests/integration/$s.sh" 2>&1 |
		sed "s/^ok - /ok - redis: $s: /; s/^not ok - /not ok - redis: $s: /"
done
