#!/bin/sh
# Streams a line every 0.1 s for up to 60 s.
printf 'Content-Type: text/plain\r\n\r\n'
i=0
while [ $i -lt 600 ]; do echo "line $i"; sleep 0.1; i=$((i+1)); done
