#!/bin/sh
# Writes 10 MB before it reads its stdin, then the sha256 of what it read:
# the full-duplex case that deadlocks fcgiwrap.
printf 'Content-Type: application/octet-stream\r\n\r\n'
head -c 10485760 /dev/zero
sha256sum | cut -c1-64
