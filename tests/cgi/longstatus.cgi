#!/bin/sh
# A Status whose reason phrase is "bad value: " and then, as a program that
# echoes its input into the reason would send: N bytes of 'v' (query N,
# 4000 without a query), or N two-byte characters 'é' (query eN).
case "$QUERY_STRING" in
e*) n=${QUERY_STRING#e} fill='é' ;;
*) n=${QUERY_STRING:-4000} fill=v ;;
esac
printf 'Status: 400 bad value: '
i=0
while [ "$i" -lt "$n" ]; do printf '%s' "$fill"; i=$((i + 1)); done
printf '\r\nContent-Type: text/plain\r\n\r\nrefused\n'
