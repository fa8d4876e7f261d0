#!/bin/sh
# Answers and exits 0, but leaves a background process holding its
# standard output open (a common mistake: it should redirect it).
printf 'Content-Type: text/plain\r\n\r\nanswered\n'
sleep 30 &
exit 0
