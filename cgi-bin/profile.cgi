#!/bin/sh
# cgi-bin/profile.cgi — "Hello, <user>" for a logged-in visitor; everyone
# else is sent to the login form.
. ./lib/demo.sh

if [ -z "$USER" ]; then
	redirect login.cgi "info=Please log in to see your profile."
	exit 0
fi
page_start "Profile"
printf '<p id="hello">%s, %s!</p>\n' "$(greeting)" "$(html "$USER")"
printf '<dl><dt>Role</dt><dd id="role">%s</dd>\n' "$(html "$ROLE")"
printf '<dt>Pet</dt><dd>%s</dd>\n' "$(html "${SESSION_pet:-(unknown)}")"
printf '<dt>Items in cart</dt><dd>%s</dd>\n' "$(cart_count)"
printf '<dt>Remembered (permanent session)</dt><dd>%s</dd></dl>\n' \
	"$( [ "${SESSION_remember:-}" = 1 ] && echo yes || echo no)"
printf '<form method="post" action="logout-others.cgi">%s<button type="submit" id="logout-others">Log out my other devices</button></form>\n' \
	"$(csrf_field)"
page_end
