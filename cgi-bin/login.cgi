#!/bin/sh
# cgi-bin/login.cgi — the login form and its handler.  A tiny fixed user
# list: alice, bob and admin, each with the password "demo".  Logging in
# regenerates the session id (session fixation) and sets user and role.
. ./lib/demo.sh

if [ "${REQUEST_METHOD:-GET}" = POST ]; then
	csrf_check
	name=$(form username)
	pass=$(form password)
	case $name in
	alice|bob) role=user ;;
	admin) role=admin ;;
	*) role= ;;
	esac
	if [ -z "$role" ] || [ "$pass" != demo ]; then
		redirect login.cgi "error=Unknown user or wrong password."
		exit 0
	fi
	redirect profile.cgi "success=Welcome, $name!" \
		"X-Session-Regenerate: 1" \
		"X-Session-Set: user=$name&role=$role"
	exit 0
fi

FORM_PAGE=1 page_start "Log in"
if [ -n "$USER" ]; then
	printf '<p>You are already logged in as <strong>%s</strong>.</p>\n' "$(html "$USER")"
fi
cat <<HTML
<form method="post" action="login.cgi" class="card">
$(csrf_field)
<label>User name <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>
<p class="hint">Demo users: <code>alice</code> and <code>bob</code> (role user),
<code>admin</code> (role admin). The password of each is <code>demo</code>.</p>
HTML
page_end
