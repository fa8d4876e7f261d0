#!/bin/sh
# cgi-bin/whoami.cgi — an old script written for HTTP Basic auth: it knows
# nothing but REMOTE_USER and AUTH_TYPE, which sessionwrap sets from the
# session's login key.  Deliberately old-fashioned (no shared helpers).
if [ -z "${REMOTE_USER:-}" ]; then
	printf 'Status: 403 Forbidden\r\nContent-Type: text/html\r\n\r\n'
	printf '<!DOCTYPE html>\n<html><head><title>Who am I</title><link rel="stylesheet" href="style.css"></head>\n'
	printf '<body><main><h1>Who am I</h1><p id="whoami">REMOTE_USER is not set: nobody is logged in. <a href="login.cgi">Log in</a>.</p></main></body></html>\n'
	exit 0
fi
user=$(printf '%s' "$REMOTE_USER" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
printf 'Content-Type: text/html\r\nCache-Control: no-store\r\n\r\n'
printf '<!DOCTYPE html>\n<html><head><title>Who am I</title><link rel="stylesheet" href="style.css"></head>\n'
printf '<body><main><h1>Who am I</h1>\n'
printf '<p id="whoami">REMOTE_USER=%s AUTH_TYPE=%s</p>\n' "$user" "${AUTH_TYPE:-}"
printf '<p><a href="index.cgi">Back to the demo</a></p></main></body></html>\n'
