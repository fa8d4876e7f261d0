#!/bin/sh
# A test tool: every "h=" in the query string is a response header line,
# percent-decoded twice, so that "%2500" sends a raw NUL byte and "%250D"
# a raw CR (lighttpd refuses a %00 in a URL, so sess.cgi cannot send one).
IFS='&'
for kv in $QUERY_STRING; do
	case "$kv" in
	h=*)
		printf '%s' "${kv#h=}" | perl -pe 's/%([0-9A-Fa-f]{2})/chr(hex($1))/ge; s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge'
		printf '\r\n'
		;;
	esac
done
printf 'Content-Type: text/plain\r\n\r\nbody\n'
