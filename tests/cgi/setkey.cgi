#!/bin/sh
# Sets the keys of its query string (k=v&k2=v2) in one directive, after
# sleeping SLEEP seconds if the query has sleep=N first.
q=$QUERY_STRING
case "$q" in sleep=*) s=${q%%&*}; sleep "${s#sleep=}"; q=${q#*&} ;; esac
printf 'X-Session-Set: %s\r\nContent-Type: text/plain\r\n\r\nset %s\n' "$q" "$q"
