#!/bin/sh
# A header block over 64 KiB, in 20 long lines.
printf 'Content-Type: text/plain\r\n'
v=$(head -c 4000 /dev/zero | tr '\0' x)
i=0
while [ $i -lt 20 ]; do printf 'X-Filler-%d: %s\r\n' $i "$v"; i=$((i+1)); done
printf '\r\nbody\n'
