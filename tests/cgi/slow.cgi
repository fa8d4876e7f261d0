#!/bin/sh
# Sleeps SLEEP seconds (query string, default 30) before it answers; its
# own child sleeps too, to show the whole process group is killed.  It
# leads its process group (sessionwrap gives it its own session): the
# group's id goes to slow.pgid in its directory.
s=${QUERY_STRING:-30}
echo $$ > slow.pgid 2>/dev/null
sleep 300 &
sleep "$s"
printf 'Content-Type: text/plain\r\n\r\nslept %s\n' "$s"
kill $! 2>/dev/null
