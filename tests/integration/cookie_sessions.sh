#!/bin/sh
# The session suites (sessions.sh, session_lifetimes.sh, concurrency.sh)
# once more on the cookie store: SW_STORE=cookie makes tests/lib.sh write
# [session] store = cookie; the cases that need server state assert the
# documented behaviour instead (sessionwrap.ini(5), WHICH STORE).  Their
# lines come out as "cookie: SUITE: ...".
. "$SW_SRCDIR/tests/lib.sh"

for s in sessions session_lifetimes concurrency; do
	SW_STORE=cookie SW_TEST_OUTPUT="${SW_TEST_OUTPUT:+$SW_TEST_OUTPUT/cookie_sessions}" \
		sh "$SW_SRCDIR/tests/integration/$s.sh" 2>&1 |
		sed "s/^ok - /ok - cookie: $s: /; s/^not ok - /not ok - cookie: $s: /"
done
