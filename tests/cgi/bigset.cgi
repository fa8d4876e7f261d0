#!/bin/sh
# Sets key $1 of the query string (name=K&n=N) to N bytes of 'v'.
name=$(printf '%s' "$QUERY_STRING" | sed -n 's/.*name=\([A-Za-z0-9_]*\).*/\1/p')
n=$(printf '%s' "$QUERY_STRING" | sed -n 's/.*n=\([0-9]*\).*/\1/p')
printf 'X-Session-Set: %s=' "$name"
head -c "$n" /dev/zero | tr '\0' v
printf '\r\nContent-Type: text/plain\r\n\r\nset %s\n' "$name"
