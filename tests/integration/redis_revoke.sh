#!/bin/sh
# sessionctl_revoke.sh once more, unchanged, on the Redis store (as
# redis_sessions.sh does for the session suites): SW_STORE=redis makes
# tests/lib.sh start a redis-server of the test's own.  Its lines come out
# as "redis: ...".
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
redis_build_or_exit
SW_STORE=redis SW_TEST_OUTPUT="${SW_TEST_OUTPUT:+$SW_TEST_OUTPUT/redis_revoke}" \
	sh "$SW_SRCDIR/tests/integration/sessionctl_revoke.sh" 2>&1 |
	sed "s/^ok - /ok - redis: /; s/^not ok - /not ok - redis: /"
