#!/bin/sh
# cgi-bin/prefs.cgi — preferences (theme, language) with "remember me":
# checked, the session becomes permanent (X-Session-Permanent: 1, the cookie
# then outlives the browser, like Flask's session.permanent); unchecked,
# it goes back to a browser session.
. ./lib/demo.sh

if [ "${REQUEST_METHOD:-GET}" = POST ]; then
	csrf_check
	case $(form theme) in dark) theme=dark ;; *) theme=light ;; esac
	case $(form lang) in de) lang=de ;; fr) lang=fr ;; *) lang=en ;; esac
	if [ "$(form remember)" = 1 ]; then
		perm=1 msg="Preferences saved; you will be remembered."
	else
		perm=0 msg="Preferences saved for this browser session."
	fi
	redirect prefs.cgi "success=$msg" \
		"X-Session-Set: theme=$theme&lang=$lang&remember=$perm" \
		"X-Session-Permanent: $perm"
	exit 0
fi

sel() { [ "$1" = "$2" ] && printf ' selected'; }
FORM_PAGE=1 page_start "Preferences"
cat <<HTML
<form method="post" action="prefs.cgi" class="card">
$(csrf_field)
<label>Theme <select name="theme">
<option value="light"$(sel "$THEME" light)>Light</option>
<option value="dark"$(sel "$THEME" dark)>Dark</option>
</select></label>
<label>Language <select name="lang">
<option value="en"$(sel "$LANG_CODE" en)>English</option>
<option value="de"$(sel "$LANG_CODE" de)>Deutsch</option>
<option value="fr"$(sel "$LANG_CODE" fr)>Français</option>
</select></label>
<label class="check"><input type="checkbox" name="remember" value="1"$( [ "${SESSION_remember:-}" = 1 ] && printf ' checked')> Remember me on this computer</label>
<button type="submit">Save</button>
</form>
<p class="hint">"Remember me" makes the session permanent: its cookie gets an
expiry date and survives closing the browser.</p>
HTML
page_end
