#!/bin/sh
# More headers than the parser takes (a small block, 200 lines).
printf 'Content-Type: text/plain\r\n'
i=0
while [ $i -lt 200 ]; do printf 'X-H-%d: v\r\n' $i; i=$((i+1)); done
printf '\r\nbody\n'
