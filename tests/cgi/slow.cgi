#!/bin/sh
# Sleeps SLEEP seconds (query string, default 30) before it answers; its
# own child sleeps too, to show the whole process group is killed.
s=${QUERY_STRING:-30}
sleep 300 &
echo $! > "${SLOW_PIDFILE:-/dev/null}" 2>/dev/null
sleep "$s"
printf 'Content-Type: text/plain\r\n\r\nslept %s\n' "$s"
kill $! 2>/dev/null
