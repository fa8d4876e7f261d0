#!/bin/sh
# 100 MB of output.
printf 'Content-Type: application/octet-stream\r\n\r\n'
head -c 104857600 /dev/zero
