#!/bin/sh
# The demo app through Apache httpd 2.4 and mod_fcgid spawning sessionwrap,
# with the shipped etc/apache2/sessionwrap-fcgid.conf.
. "$SW_SRCDIR/tests/lib.sh"
. "$SW_SRCDIR/tests/integration/demo.inc"

demo_setup </dev/null
give_to_apache
sw_for_apache
localize "$SW_SRCDIR/etc/apache2/sessionwrap-fcgid.conf" "$T/fcgid.conf"
start_apache apache "$T/fcgid.conf" fcgid || notok "apache2 started"
echo "# apache2 + mod_fcgid on $URL"
demo_flow "$URL/cgi-bin"
# mod_fcgid sends the whole body before it reads the answer: sessionwrap
# holds the answer back meanwhile.
check_echo "3 MB echoed while read, byte for byte" 3000000 "$URL/cgi-bin"
# The snippet's FcgidOutputBufferSize 0: a program writing a line every
# 0.1 s is streamed through mod_fcgid too.
cp "$SW_SRCDIR/tests/cgi/stream.cgi" "$T/cgi/stream.cgi"
lines=$(streamed_lines "$URL/cgi-bin")
check "streamed line by line through mod_fcgid ($lines in 1 s)" [ "$lines" -ge 5 ]
check_write_first "10 MB written before a 3 MB body is read" 3000000 "$URL/cgi-bin"

check "mod_fcgid started sessionwrap with one worker" pgrep -f "$SW -c 1 -f $T/sw.ini"
check "apache2 stops" stop_pid "$APACHE_PID"
i=0
while ! no_proc "$SW -c 1 -f $T/sw.ini" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the sessionwrap processes stopped with apache2" no_proc "$SW -c 1 -f $T/sw.ini"
