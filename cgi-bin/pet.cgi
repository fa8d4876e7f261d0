#!/bin/sh
# cgi-bin/pet.cgi — "What is your pet's name?", remembered in the session.
. ./lib/demo.sh

if [ "${REQUEST_METHOD:-GET}" = POST ]; then
	csrf_check
	pet=$(form pet)
	# The form says at most 100 characters; a client need not listen.
	if [ "$(printf '%s' "$pet" | LC_ALL=C.UTF-8 wc -m)" -gt 100 ]; then
		redirect pet.cgi "error=Please keep the name to 100 characters."
		exit 0
	fi
	if [ -z "$pet" ]; then
		redirect index.cgi "info=Your pet's name is forgotten." "X-Session-Unset: pet"
	else
		redirect index.cgi "success=Nice to meet $pet!" "X-Session-Set: pet=$(urlencode "$pet")"
	fi
	exit 0
fi

FORM_PAGE=1 page_start "Your pet"
cat <<HTML
<form method="post" action="pet.cgi" class="card">
$(csrf_field)
<label>What is your pet's name?
<input name="pet" maxlength="100" value="$(html "${SESSION_pet:-}")"></label>
<button type="submit">Remember it</button>
</form>
HTML
page_end
