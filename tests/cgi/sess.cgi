#!/bin/sh
# A test tool: every "h=" in the query string is a percent-encoded response
# header to send (X-Session-Set: ..., Status: ...), "sleep=N" waits first,
# "die=1" crashes after the header block, "body=N" adds N bytes of body.  The body lists what the session
# layer gave us.
IFS='&'
die=0
body=0
for kv in $QUERY_STRING; do
	case "$kv" in
	sleep=*) sleep "${kv#sleep=}" ;;
	esac
done
for kv in $QUERY_STRING; do
	case "$kv" in
	h=*)
		printf '%s' "${kv#h=}" | perl -pe 's/\+/ /g; s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge'
		printf '\r\n'
		;;
	die=1) die=1 ;;
	body=*) body=${kv#body=} ;;
	esac
done
unset IFS
printf 'Content-Type: text/plain\r\n\r\n'
if [ "$die" = 1 ]; then
	echo "about to crash"
	kill -KILL $$
fi
env | LC_ALL=C sort | grep -E '^(SESSION|HTTP_SESSION=|HTTP_COOKIE=|REMOTE_USER=|AUTH_TYPE=)' || true
echo "END"
[ "$body" -gt 0 ] && head -c "$body" /dev/zero | tr '\0' x
exit 0
