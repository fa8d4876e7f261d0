# cgi-bin/lib/demo.sh — what every sh page of the demo shares: HTML
# escaping, form decoding and encoding, the CSRF check, the page frame
# (nav, cart count, theme, flash messages) and POST-redirect-GET.
#
# Only the sessionwrap contract is used: SESSION_<key>, SESSIONWRAP_NEW,
# SESSIONWRAP_CSRF_TOKEN, SESSIONWRAP_FLASH and REMOTE_USER come in through
# the environment; X-Session-* headers go out.  Source it with
#   . ./lib/demo.sh
# (sessionwrap runs a CGI program in its own directory).
#
# CSRF and brand-new sessions: the token of a session that is never stored
# dies with the request, so a page that shows a form to a visitor without a
# session stores one small key (`started`), which makes the token stable.
# A POST whose token does not match is refused with 403 — except when it
# arrives without any session (cookie lost or expired): that visitor is sent
# back to the form with a flash asking to submit again.

LC_ALL=C
export LC_ALL

# html TEXT: TEXT with & < > " ' escaped, for element content and attributes.
html() {
	printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' \
		-e 's/"/\&quot;/g' -e "s/'/\&#39;/g"
}

# urldecode: stdin form-encoded (one value) to raw bytes on stdout.
urldecode() {
	awk 'BEGIN { hex = "0123456789abcdef" }
	{
		if (NR > 1) printf "\n"
		s = $0; gsub(/\+/, " ", s); out = ""
		while ((i = index(s, "%")) > 0) {
			out = out substr(s, 1, i - 1)
			h = tolower(substr(s, i + 1, 2))
			a = index(hex, substr(h, 1, 1)); b = index(hex, substr(h, 2, 1))
			if (length(h) == 2 && a && b) {
				c = (a - 1) * 16 + b - 1
				if (c != 0) out = out sprintf("%c", c)
				s = substr(s, i + 3)
			} else {
				out = out "%"; s = substr(s, i + 1)
			}
		}
		printf "%s", out s
	}'
}

# urlencode TEXT: TEXT form-encoded (for X-Session-Set values).
urlencode() {
	printf '%s' "$1" | awk 'BEGIN {
		for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
		ORS = ""
	}
	{
		if (NR > 1) printf "%%0A"
		n = length($0)
		for (i = 1; i <= n; i++) {
			c = substr($0, i, 1)
			if (c ~ /[A-Za-z0-9_.~-]/) printf "%s", c
			else if (c == " ") printf "+"
			else printf "%%%02X", ord[c]
		}
	}'
}

# param NAME FORMDATA: the decoded value of NAME (first occurrence) or "".
param() {
	printf '%s' "$2" | tr '&' '\n' | while IFS= read -r pair || [ -n "$pair" ]; do
		case $pair in
		"$1="*) printf '%s' "${pair#*=}" | urldecode; break ;;
		esac
	done
}

# The request body of a POST, at most 64 KiB (the demo's forms are small).
FORM=""
if [ "${REQUEST_METHOD:-GET}" = POST ]; then
	FORM=$(head -c "$(( ${CONTENT_LENGTH:-0} > 65536 ? 65536 : ${CONTENT_LENGTH:-0} ))")
fi
form() { param "$1" "$FORM"; }
query() { param "$1" "${QUERY_STRING:-}"; }

# Session values the frame uses, validated before use.
USER=${SESSION_user:-}
ROLE=${SESSION_role:-}
case ${SESSION_theme:-} in dark) THEME=dark ;; *) THEME=light ;; esac
case ${SESSION_lang:-} in de|fr) LANG_CODE=$SESSION_lang ;; *) LANG_CODE=en ;; esac

# The cart: one session key per item put in, cart_<item>_<random>=1, so
# that two tabs adding at once both keep their item (sessionwrap merges
# keys; one key holding the whole cart would keep only the last add).
# cart_count [ITEM]: items in the cart (of ITEM).
cart_count() {
	env | grep -c "^SESSION_cart_${1:-[a-z]*}_[0-9a-f]*=" || true
}

# csrf_field: the hidden input every form carries.
csrf_field() {
	printf '<input type="hidden" name="csrf_token" value="%s">\n' \
		"$(html "${SESSIONWRAP_CSRF_TOKEN:-}")"
}

# csrf_check: returns only if the POST carries this session's token.
csrf_check() {
	t=$(form csrf_token)
	if [ -n "$t" ] && [ "$t" = "${SESSIONWRAP_CSRF_TOKEN:-}" ]; then
		return 0
	fi
	if [ "${SESSIONWRAP_NEW:-0}" = 1 ]; then
		redirect "${SCRIPT_NAME##*/}" \
			"warning=Your session had expired. Please submit the form again."
	else
		printf 'Status: 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
		printf 'Forbidden: the form did not carry this session'"'"'s CSRF token.\n'
	fi
	exit 0
}

# redirect LOCATION [FLASH] [EXTRA HEADER LINES...]: POST-redirect-GET.
# FLASH is "category=message" (message raw; encoded here).  Directives
# apply in order: the extra headers come first, so a flash survives an
# X-Session-Clear sent with it.
redirect() {
	loc=$1; fl=${2:-}
	printf 'Status: 303 See Other\r\nLocation: %s\r\n' "$loc"
	if [ $# -ge 2 ]; then shift 2; else shift $#; fi
	for h in "$@"; do printf '%s\r\n' "$h"; done
	if [ -n "$fl" ]; then
		printf 'X-Session-Flash: %s=%s\r\n' "${fl%%=*}" "$(urlencode "${fl#*=}")"
	fi
	printf 'Content-Type: text/plain\r\n\r\nSee %s\n' "$loc"
}

# flashes: the pending flash messages as HTML, shown once.
flashes() {
	[ -n "${SESSIONWRAP_FLASH:-}" ] || return 0
	printf '%s' "$SESSIONWRAP_FLASH" | tr '&' '\n' | while IFS= read -r pair || [ -n "$pair" ]; do
		cat=$(printf '%s' "${pair%%=*}" | tr -cd 'a-z')
		[ -n "$cat" ] || cat=info
		msg=$(printf '%s' "${pair#*=}" | urldecode)
		printf '<p class="flash %s">%s</p>\n' "$cat" "$(html "$msg")"
	done
}

# page_start TITLE [EXTRA HEADER LINES...]: the CGI header block and the top
# of the page.  With FORM_PAGE=1 a visitor without a session gets one stored
# (see the CSRF note above).
page_start() {
	title=$1; shift
	printf 'Content-Type: text/html; charset=utf-8\r\n'
	# Logged-in content must not come back from any cache (back button).
	printf 'Cache-Control: no-store\r\n'
	if [ "${FORM_PAGE:-0}" = 1 ] && [ -z "${SESSION:-}" ]; then
		printf 'X-Session-Set: started=%s\r\n' "$(date +%s)"
	fi
	for h in "$@"; do printf '%s\r\n' "$h"; done
	printf '\r\n'
	n=$(cart_count)
	cat <<EOF
<!DOCTYPE html>
<html lang="$LANG_CODE">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$(html "$title") — sessionwrap demo</title>
<link rel="stylesheet" href="style.css">
</head>
<body class="$THEME">
<header>
<a class="brand" href="index.cgi">sessionwrap demo</a>
<nav>
<a href="index.cgi">Home</a>
<a href="pet.cgi">Pet</a>
<a href="cart.cgi">Cart <span class="badge" id="cart-count">$n</span></a>
<a href="prefs.cgi">Preferences</a>
<a href="wizard.cgi">Wizard</a>
<a href="admin.cgi">Admin</a>
<a href="whoami.cgi">Who am I</a>
</nav>
<div class="user">
EOF
	if [ -n "$USER" ]; then
		printf '<a href="profile.cgi">%s</a>\n' "$(html "$USER")"
		# Logged in by sessionwrap's own form: its own logout.
		out=logout.cgi
		[ "${AUTH_TYPE:-}" = Form ] && out=/logout
		printf '<form method="post" action="%s" class="inline">%s<button type="submit">Log out</button></form>\n' \
			"$out" "$(csrf_field)"
	else
		printf '<a href="login.cgi">Log in</a>\n'
	fi
	printf '</div>\n</header>\n<main>\n<h1>%s</h1>\n' "$(html "$title")"
	flashes
}

page_end() {
	cat <<'EOF'
</main>
<footer>Plain CGI programs in sh, Perl and C; the sessions are sessionwrap&#39;s.</footer>
</body>
</html>
EOF
}

# greeting: "Hello" in the chosen language.
greeting() {
	case $LANG_CODE in de) echo Hallo ;; fr) echo Bonjour ;; *) echo Hello ;; esac
}
