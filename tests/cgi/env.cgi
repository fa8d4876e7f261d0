#!/bin/sh
# Prints its environment, one variable a line, sorted.
printf 'Content-Type: text/plain\r\n\r\n'
env | LC_ALL=C sort
echo "CWD=$(pwd)"
