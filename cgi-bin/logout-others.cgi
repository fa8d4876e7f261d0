#!/bin/sh
# cgi-bin/logout-others.cgi — POST only: "log out my other devices" (the
# button on the profile page).  X-Session-Revoke-Others ends every other
# session of this user, on every device; this one stays.
. ./lib/demo.sh

if [ "${REQUEST_METHOD:-GET}" != POST ]; then
	printf 'Status: 405 Method Not Allowed\r\nAllow: POST\r\nContent-Type: text/plain\r\n\r\n'
	printf 'Use the button on the profile page.\n'
	exit 0
fi
if [ -z "$USER" ]; then
	redirect login.cgi "info=Please log in first."
	exit 0
fi
csrf_check
redirect profile.cgi "success=Your other devices have been logged out." \
	"X-Session-Revoke-Others: 1"
