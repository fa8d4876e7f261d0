#!/bin/sh
# Answers without reading the request body.
printf 'Content-Type: text/plain\r\n\r\nanswered without reading\n'
