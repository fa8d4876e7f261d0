#!/bin/sh
# cgi-bin/index.cgi — the demo's home page: who you are, your pet, your cart.
. ./lib/demo.sh

page_start "Home"
if [ -n "$USER" ]; then
	printf '<p>%s, <strong>%s</strong>. <a href="profile.cgi">Your profile</a></p>\n' \
		"$(greeting)" "$(html "$USER")"
else
	printf '<p>You are not logged in. <a href="login.cgi">Log in</a> as alice, bob or admin.</p>\n'
fi
if [ -n "${SESSION_pet:-}" ]; then
	printf '<p id="pet">Your pet'"'"'s name is <strong>%s</strong>. <a href="pet.cgi">Change it</a></p>\n' \
		"$(html "$SESSION_pet")"
else
	printf '<p id="pet">I do not know your pet'"'"'s name. <a href="pet.cgi">Tell me</a></p>\n'
fi
printf '<p>Your cart holds %s item(s). <a href="cart.cgi">Go shopping</a></p>\n' "$(cart_count)"
cat <<'HTML'
<h2>What this is</h2>
<p>Every page here is an unchanged, old-style CGI program (POSIX sh, one in
Perl, one in C). None of them knows about cookies: sessionwrap hands each one
the session in environment variables (<code>SESSION_user</code>,
<code>SESSIONWRAP_FLASH</code>, …) and takes the changes back from response
headers (<code>X-Session-Set</code>, <code>X-Session-Regenerate</code>, …).</p>
HTML
page_end
