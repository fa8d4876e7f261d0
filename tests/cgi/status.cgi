#!/bin/sh
# Status, Location, repeated and custom headers, LF line ends.
case "$QUERY_STRING" in
redirect) printf 'Location: /elsewhere\n\n' ;;
teapot) printf 'Status: 418 I am a teapot\nContent-Type: text/plain\n\nshort and stout\n' ;;
interim) printf 'Status: 100 Continue\nContent-Type: text/plain\n\nnot final\n' ;;
beyond) printf 'Status: 600 Beyond\nContent-Type: text/plain\n\nnot http\n' ;;
*) printf 'Status: 201\nContent-Type: text/plain\nX-One: 1\nSet-Cookie: a=1\nSet-Cookie: b=2\nX-Two:   padded   \n\ncreated\n' ;;
esac
