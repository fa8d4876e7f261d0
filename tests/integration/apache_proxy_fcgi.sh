#!/bin/sh
# The demo app through Apache httpd 2.4 and mod_proxy_fcgi with the shipped
# etc/apache2/sessionwrap-proxy-fcgi.conf, to sessionwrap's own socket.
. "$SW_SRCDIR/tests/lib.sh"
. "$SW_SRCDIR/tests/integration/demo.inc"

demo_on_socket "$SW_SRCDIR/etc/apache2/sessionwrap-proxy-fcgi.conf" "$T/proxy-fcgi.conf"
start_apache apache "$T/proxy-fcgi.conf" proxy proxy_fcgi || notok "apache2 started"
echo "# apache2 + mod_proxy_fcgi on $URL"
demo_flow "$URL/cgi-bin"

# PATH_INFO and the program's real path reach sessionwrap.
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s|%%s\\n" "$SCRIPT_NAME" "$PATH_INFO"\n' >"$T/cgi/pi.cgi"
chmod 755 "$T/cgi/pi.cgi"
expect_eq "SCRIPT_NAME and PATH_INFO through mod_proxy_fcgi" "/cgi-bin/pi.cgi|/extra" \
	"$(curl -s -m 10 "$URL/cgi-bin/pi.cgi/extra")"
expect_eq "a missing program is a 404" 404 "$(status_of "$URL/cgi-bin/missing.cgi")"
# Apache reads the answer while it sends the body: a program echoing a
# 3 MB body as it reads it gets it all back.
check_echo "3 MB echoed while read through mod_proxy_fcgi, byte for byte" 3000000 "$URL/cgi-bin"
# The snippet's flushpackets: a program writing a line every 0.1 s is
# streamed through Apache too.
cp "$SW_SRCDIR/tests/cgi/stream.cgi" "$T/cgi/stream.cgi"
lines=$(streamed_lines "$URL/cgi-bin")
check "streamed line by line through mod_proxy_fcgi ($lines in 1 s)" [ "$lines" -ge 5 ]

check "apache2 stops" stop_pid "$APACHE_PID"
check "sessionwrap stops on SIGTERM" stop_pid "$SW_PID"
