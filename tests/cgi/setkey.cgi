#!/bin/sh
# Sets the keys of its query string (k=v&k2=v2) in one directive, after
# sleeping N seconds if the query has sleep=N first, or after waiting (at
# most 100 s) for a file NAME in its directory to exist with waitfor=NAME.
q=$QUERY_STRING
case "$q" in sleep=*) s=${q%%&*}; sleep "${s#sleep=}"; q=${q#*&} ;; esac
case "$q" in waitfor=*)
	f=${q%%&*}; f=${f#waitfor=}; q=${q#*&}; i=0
	while [ ! -e "./$f" ] && [ $i -lt 1000 ]; do sleep 0.1; i=$((i + 1)); done ;;
esac
printf 'X-Session-Set: %s\r\nContent-Type: text/plain\r\n\r\nset %s\n' "$q" "$q"
