#!/bin/sh
# Writes two lines to stderr and a normal answer.
echo "first complaint" >&2
printf 'Content-Type: text/plain\r\n\r\nok\n'
echo "second complaint" >&2
