#!/bin/sh
# cgi-bin/logout.cgi — POST only: clears the whole session (the record is
# destroyed and the cookie expired), then back to the home page with a
# flash, which — as in Flask — lives in a fresh session of its own.
. ./lib/demo.sh

if [ "${REQUEST_METHOD:-GET}" != POST ]; then
	printf 'Status: 405 Method Not Allowed\r\nAllow: POST\r\nContent-Type: text/plain\r\n\r\n'
	printf 'Log out with the button in the page header.\n'
	exit 0
fi
# Nobody logged in (the session expired, or another tab logged out): there
# is nothing to end, and no token to check -- home, without clearing
# whatever message waits there.
if [ -z "$USER" ]; then
	redirect index.cgi "info=You are logged out."
	exit 0
fi
csrf_check
redirect index.cgi "info=You have been logged out." "X-Session-Clear: 1"
