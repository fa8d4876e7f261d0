#!/bin/sh
# The built-in login (sessionwrap.ini(5) ACCESS AND LOGIN) through a real
# lighttpd and curl: every kind of [access] rule, the 303 to the form that
# runs no child, the way back only to a path of this site, the form's
# POST with its token, failures that look alike, fixation, logout, the
# password kept out of the session, the logs and the child; -t's checks
# and sessionctl passwd.
. "$SW_SRCDIR/tests/lib.sh"
CTL="$SW_BUILDDIR/src/sessionctl"
PW='correct horse;#battery'

make_cgi_dir
# An unchanged Basic-auth-era script: it only reads REMOTE_USER.  And
# one that leaves a mark when it runs.
for d in admin staff members Staff open; do
	mkdir -p "$T/cgi/$d"
	cp "$T/cgi/env.cgi" "$T/cgi/$d/env.cgi"
	printf '#!/bin/sh\ntouch %s/ran\nprintf "Content-Type: text/plain\\r\\n\\r\\nran\\n"\n' "$T" >"$T/cgi/$d/mark.cgi"
	chmod 755 "$T/cgi/$d/mark.cgi"
done

# --- sessionctl passwd -----------------------------------------------------------
printf '%s\n' "$PW" | "$CTL" passwd --stdin "$T/passwd" alice >"$T/ctl.out" 2>&1
expect_eq "sessionctl passwd --stdin makes the file" 0 "$?"
printf 'bobpw\n' | "$CTL" passwd --stdin "$T/passwd" bob >/dev/null 2>&1
printf 'old\n' | "$CTL" passwd --stdin "$T/passwd" carol >/dev/null 2>&1
ino=$(stat -c %i "$T/passwd")
printf 'carolpw\n' | "$CTL" passwd --stdin "$T/passwd" carol >"$T/ctl.out" 2>&1
expect_match "sessionctl passwd changes a password" "changed the password of 'carol'" "$(cat "$T/ctl.out")"
expect_eq "the file has one line per user" 3 "$(grep -c . "$T/passwd")"
check "the file is replaced, not written in place (a new inode)" [ "$ino" != "$(stat -c %i "$T/passwd")" ]
expect_eq "the file is mode 600" 600 "$(stat -c %a "$T/passwd")"
expect_match "the lines are argon2id hashes" '^alice:\$argon2id\$v=19\$' "$(cat "$T/passwd")"
check "the file holds no password" sh -c "! grep -qF 'horse' '$T/passwd'"
check "no temporary file left" sh -c "[ \$(ls '$T' | grep -c 'passwd.tmp') = 0 ]"
printf '\n' | "$CTL" passwd --stdin "$T/passwd" dave >/dev/null 2>&1
expect_eq "an empty password is refused" 1 "$?"
printf 'x\n' | "$CTL" passwd --stdin "$T/passwd" 'da:ve' >/dev/null 2>&1
expect_eq "a name with ':' is refused (usage)" 2 "$?"
# From the terminal: twice, without echo (script(1) gives it a terminal).
(sleep 0.5; printf 'tty pw\n'; sleep 0.5; printf 'tty pw\n'; sleep 1) |
	script -qec "$CTL passwd '$T/passwd' tina" /dev/null >"$T/tty.out" 2>&1
expect_match "passwd from the terminal: asked twice" 'New password: .*Again: ' "$(tr -d '\r\n' <"$T/tty.out")"
expect_nomatch "... without echo" 'tty pw' "$(cat "$T/tty.out")"
expect_match "... and set" '^tina:\$argon2id' "$(cat "$T/passwd")"
(sleep 0.5; printf 'one\n'; sleep 0.5; printf 'two\n'; sleep 1) |
	script -qec "$CTL passwd '$T/passwd' tom" /dev/null >"$T/tty.out" 2>&1
expect_match "passwd from the terminal: two different entries are refused" 'the passwords differ' "$(cat "$T/tty.out")"
cp "$T/passwd" "$T/passwd.open"; chmod 644 "$T/passwd.open"
out=$(printf 'x\n' | "$CTL" passwd --stdin "$T/passwd.open" dave 2>&1)
expect_match "a file others can read is refused" 'group or others may access it' "$out"

# --- -t -------------------------------------------------------------------------
"$SW" --keygen "$T/secret" >/dev/null
tconf() {   # tconf NAME [access] lines...
	f="$T/$1.ini"; shift
	{
		printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\ndir = %s/store\n[access]\n' "$T" "$T" "$T"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$f"
	"$SW" -t -f "$f" 2>&1
}
out=$(tconf good "rule1 = /admin/ user alice bob" "rule2 = /staff/ session role=admin" \
	"rule3 = /members/ login" "rule4 = / any" "password_file = $T/passwd" \
	"login_template = $SW_SRCDIR/etc/login.html")
expect_match "-t accepts every rule kind" 'configuration ok$' "$out"
out=$(tconf nokind "rule1 = /admin/")
expect_match "-t: a rule without a kind" 'nokind.ini: \[access\] rule1: .*is not PATH any' "$out"
out=$(tconf cut "rule1 = /a#b/ login")
expect_match "-t: a path cut at '#' by iniparser is no rule" '\[access\] rule1: ./a. is not PATH' "$out"
out=$(tconf dots "rule1 = /a/../b/ login")
expect_match "-t: a path with '..'" '\[access\] rule1: ./a/\.\./b/. is not a plain path' "$out"
out=$(tconf kind "rule1 = /a/ users alice")
expect_match "-t: an unknown kind" "\[access\] rule1: 'users' is not any, login, user or session" "$out"
out=$(tconf nouser "rule1 = /a/ user")
expect_match "-t: user with no name" "\[access\] rule1: 'user' needs at least one name" "$out"
out=$(tconf nums "rule0 = / any" "rule65 = / any" "rule07 = / any")
expect_match "-t: rule0" '\[access\] rule0: not a rule number from 1 to 64' "$out"
expect_match "-t: rule65" '\[access\] rule65: not a rule number' "$out"
expect_match "-t: rule07" '\[access\] rule07: not a rule number' "$out"
out=$(tconf perm "password_file = $T/passwd.open" "login_template = $SW_SRCDIR/etc/login.html")
expect_match "-t: a password file others can read" '\[access\] password_file: password file .*passwd.open: group or others may access it' "$out"
printf 'alice:nothash\n' >"$T/passwd.bad"; chmod 600 "$T/passwd.bad"
out=$(tconf badpw "password_file = $T/passwd.bad" "login_template = $SW_SRCDIR/etc/login.html")
expect_match "-t: a password file line that is no hash" '\[access\] password_file: .*passwd.bad: line 1: the hash is not an argon2id' "$out"
printf '<p>{{user}}</p>' >"$T/bad.html"
out=$(tconf tmpl "password_file = $T/passwd" "login_template = $T/bad.html")
expect_match "-t: a template with an unknown placeholder" "\[access\] login_template: .*bad.html: unknown placeholder '\{\{user\}\}'" "$out"
out=$(tconf lpath "login_path = /login/" "password_file = $T/passwd" "login_template = $SW_SRCDIR/etc/login.html")
expect_match "-t: login_path not plain" '\[access\] login_path: must be a plain path' "$out"
printf '[handler]\nroot = %s/cgi\n[access]\nrule1 = / login\n' "$T" >"$T/nosess.ini"
out=$("$SW" -t -f "$T/nosess.ini" 2>&1)
expect_match "-t: rules without sessions" '\[access\]: rules and the login form need sessions' "$out"

# --- the server --------------------------------------------------------------------
LOG_LEVEL=debug WORKERS=3 write_session_config "$T/sw.ini" <<EOF2
[access]
rule1 = /admin/ user alice
rule2 = /staff/ session role=admin
rule3 = /members/ login
rule4 = /Staff/ user nobody
password_file = $T/passwd
login_template = $SW_SRCDIR/etc/login.html
EOF2
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
# The web server hands /login and /logout to sessionwrap too.
start_lighttpd web socket "$T/sw.sock" <<EOF2 || notok "lighttpd started"
fastcgi.server += ("/login" => (("socket" => "$T/sw.sock", "check-local" => "disable")),
                   "/logout" => (("socket" => "$T/sw.sock", "check-local" => "disable")))
EOF2
J="$T/jar"

# --- rules, nobody logged in --------------------------------------------------------
for p in members/mark.cgi admin/mark.cgi staff/mark.cgi Staff/mark.cgi; do
	sreq "$J" "$p" >/dev/null
	answered "anonymous /$p: sent to the form" 303
done
check "... and no child ran" [ ! -e "$T/ran" ]
expect_eq "anonymous, a protected script that does not exist: 303, not 404" 303 \
	"$(status_of "$URL/admin/nosuch.cgi")"
sreq "$J" "members/env.cgi?a=1&b=%2F" >/dev/null
expect_match "the 303 carries where the user was going, query included" \
	'^Location: /login\?next=%2Fmembers%2Fenv.cgi%3Fa%3D1%26b%3D%252F$' "$(hdr)"
expect_nomatch "a refused request sets no cookie" '^Set-Cookie' "$(hdr)"
b=$(sreq "$J" "open/env.cgi")
answered "a path no rule covers: any" 200
# Forms of the path a web server makes canonical before we see it.
for p in 'members//mark.cgi' 'open/../members/mark.cgi' './members/mark.cgi' \
	'members/./mark.cgi' '%6dembers/mark.cgi' 'open/%2e%2e/members/mark.cgi'; do
	code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL/$p")
	expect_eq "anonymous /$p: sent to the form" 303 "$code"
done
check "... and no child ran" [ ! -e "$T/ran" ]
expect_eq "/Staff/ (a rule of its own, its case kept) is not /staff/'s" 303 \
	"$(status_of "$URL/Staff/mark.cgi")"

# A PATH_INFO that climbs out of the script the server chose: a web
# server that normalised the URL sends none (lighttpd does), so a raw
# FastCGI client sends it.  Matched after cleaning it would be /pub, out
# of /admin/'s rule, while /admin/env.cgi would run.
out=$(python3 "$SW_SRCDIR/tests/fcgi_client.py" "unix:$T/sw.sock" "$T/cgi/admin/env.cgi" \
	--param SCRIPT_NAME=/admin/env.cgi --param PATH_INFO=/../../pub 2>/dev/null)
expect_match "PATH_INFO with '..' out of /admin/: 400" '^Status: 400' "$out"
expect_nomatch "... the script did not run" 'REMOTE_USER|SCRIPT_NAME=' "$out"
expect_match "... logged, naming the dot segment" "dot segment in PATH_INFO" "$(cat "$T/sessionwrap.log")"

# --- the form ------------------------------------------------------------------------
page=$(sreq "$J" "login?next=%2Fmembers%2Fenv.cgi")
answered "GET /login" 200
expect_match "the form gives a first visitor a session" '^Set-Cookie: session=' "$(hdr)"
expect_match "the form page is never cached" '^Cache-Control: no-store' "$(hdr)"
expect_match "the form cannot be framed" "^Content-Security-Policy: frame-ancestors 'none'" "$(hdr)"
expect_match "the form is HTML" '^Content-Type: text/html' "$(hdr)"
expect_match "the form posts to /login" '<form method="post" action="/login">' "$page"
expect_match "the form carries where to go" '<input type="hidden" name="next" value="/members/env.cgi">' "$page"
tok=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p')
check "the form carries the session's token" [ ${#tok} -eq 43 ]
pre=$(awk '$6 == "session" {print $7}' "$J")
b=$(sreq "$J" sess.cgi)
expect_match "the token is SESSIONWRAP_CSRF_TOKEN" "^SESSIONWRAP_CSRF_TOKEN=$tok\$" "$b"
page=$(sreq "$J" "login?next=%3Cscript%3E")
expect_match "a next that is no path: the form goes to /" 'name="next" value="/"' "$page"

post() {   # post USER PASSWORD [NEXT] [TOKEN]: the form, answer in $T/h and $T/b
	curl -s -D "$T/h" -o "$T/b" -b "$J" -c "$J" --data-urlencode "csrf_token=${4-$tok}" \
		--data-urlencode "user=$1" --data-urlencode "password=$2" \
		--data-urlencode "next=${3:-/members/env.cgi}" "$URL/login"
}
post alice "$PW" /members/env.cgi ''
answered "a POST without the token" 403
expect_match "... shows the form again, saying so" 'The form had expired' "$(cat "$T/b")"
post alice "$PW" /members/env.cgi "$(printf '%s' "$tok" | tr 'A-Za-z' 'B-ZAb-za')"
answered "a POST with another token" 403

post alice wrong
answered "a wrong password" 200
expect_match "... says so" 'Wrong user name or password' "$(cat "$T/b")"
cp "$T/h" "$T/wrong.h.raw"; grep -v "^Date:" "$T/h" >"$T/wrong.h"; cp "$T/b" "$T/wrong.b"
post nosuchuser wrong
answered "an unknown user" 200
grep -v '^Date:' "$T/h" >"$T/unknown.h"
check "wrong password and unknown user: byte-identical headers" cmp -s "$T/wrong.h" "$T/unknown.h"
diff "$T/wrong.h" "$T/unknown.h" | sed "s/^/# /"
check "wrong password and unknown user: byte-identical pages" cmp -s "$T/wrong.b" "$T/b"
expect_nomatch "a failure logs nobody in" '^REMOTE_USER' "$(sreq "$J" sess.cgi)"

post alice "$PW" /members/env.cgi
answered "the right password" 303
expect_match "... back to where the user was going" '^Location: /members/env.cgi$' "$(hdr)"
expect_match "... with a new session cookie" '^Set-Cookie: session=' "$(hdr)"
post_cookie=$(awk '$6 == "session" {print $7}' "$J")
check "the id changed at login" [ -n "$post_cookie" -a "$pre" != "$post_cookie" ]
b=$(sreq "$J" members/env.cgi)
answered "/members/ logged in" 200
expect_match "the unchanged script gets REMOTE_USER" '^REMOTE_USER=alice$' "$b"
expect_match "... and AUTH_TYPE=Form" '^AUTH_TYPE=Form$' "$b"
expect_nomatch "the password is not in the child's environment" 'horse' "$b"
expect_nomatch "... nor in the session" 'horse' "$(sreq "$J" sess.cgi)"
b=$(curl -s -b "session=$pre" "$URL/sess.cgi")
expect_match "fixation: the pre-login cookie is dead" '^SESSIONWRAP_NEW=1$' "$b"
expect_nomatch "... it logs nobody in" '^REMOTE_USER' "$b"
expect_eq "fixation: the pre-login cookie reaches no protected page" 303 \
	"$(status_of "$URL/members/env.cgi" -b "session=$pre")"

expect_eq "alice: /admin/ (user alice)" 200 "$(status_of "$URL/admin/env.cgi" -b "$J")"
expect_eq "alice: /staff/ without role=admin: 403" 403 "$(status_of "$URL/staff/mark.cgi" -b "$J")"
expect_eq "alice: /Staff/ (user nobody): 403" 403 "$(status_of "$URL/Staff/mark.cgi" -b "$J")"
check "... and no child ran" [ ! -e "$T/ran" ]
sreq "$J" "sess.cgi?$(hq 'X-Session-Set: role=admin')" >/dev/null
expect_eq "alice with role=admin: /staff/ (session role=admin)" 200 \
	"$(status_of "$URL/staff/env.cgi" -b "$J")"
sreq "$J" "sess.cgi?$(hq 'X-Session-Set: role=administrator')" >/dev/null
expect_eq "role=administrator is not role=admin" 403 "$(status_of "$URL/staff/env.cgi" -b "$J")"

# --- where the form may send one back -------------------------------------------------
tok2() { sreq "$J" login | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p'; }
for n in '//evil.example' 'https://evil.example' '/\evil.example' '\\evil.example' \
	'/%2F/evil.example' '/%2f%2fevil.example' '/%5Cevil.example' "$(printf '/\t/evil.example')" \
	"$(printf '/\r\nX: y')" 'javascript:alert(1)' '%2F%2Fevil.example' ' /x'; do
	post bob bobpw "$n" "$(tok2)"
	expect_match "next=$n: refused, sent to /" '^Location: /$' "$(hdr)"
done
post bob bobpw "/members/env.cgi?x=%2F" "$(tok2)"
expect_match "a plain path with a query is kept" '^Location: /members/env.cgi\?x=%2F$' "$(hdr)"
expect_eq "bob: /admin/ (user alice): 403" 403 "$(status_of "$URL/admin/env.cgi" -b "$J")"
b=$(sreq "$J" sess.cgi)
expect_match "bob logged in over alice's session" '^SESSION_user=bob$' "$b"
expect_nomatch "... inherits none of alice's keys (her role)" '^SESSION_role=' "$b"
post tina 'tty pw' /members/env.cgi "$(tok2)"
expect_match "the password typed at the terminal logs in" '^Location: /members/env.cgi$' "$(hdr)"

# --- logout ---------------------------------------------------------------------------
expect_eq "GET /logout: 405" 405 "$(status_of "$URL/logout" -b "$J")"
curl -s -D "$T/h" -o /dev/null -b "$J" -c "$J" --data "csrf_token=x" "$URL/logout"
answered "logout without the token" 403
expect_eq "... still logged in" 200 "$(status_of "$URL/members/env.cgi" -b "$J")"
before=$(awk '$6 == "session" {print $7}' "$J")
tok=$(sreq "$J" sess.cgi | sed -n 's/^SESSIONWRAP_CSRF_TOKEN=//p')
curl -s -D "$T/h" -o /dev/null -b "$J" -c "$J" --data-urlencode "csrf_token=$tok" "$URL/logout"
answered "logout with the token" 303
expect_match "... to the form" '^Location: /login$' "$(hdr)"
expect_match "... the cookie expired" '^Set-Cookie: session=; .*Max-Age=0' "$(hdr)"
expect_eq "after logout: sent to the form again" 303 "$(status_of "$URL/members/env.cgi" -b "$J")"
expect_eq "the logged-out cookie is dead" 303 "$(status_of "$URL/members/env.cgi" -b "session=$before")"
# A browser that still holds the cookie of an ended session (logged out
# in another tab, revoked) is not stuck until the tombstone's grace
# period ends: the form gives it a new session and the login works.
J2="$T/jar-ended"
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t%s\n' "$before" >"$J2"
page=$(curl -s -D "$T/h" -b "$J2" -c "$J2" "$URL/login")
expect_match "ended session's cookie: the form gives a new session" '^Set-Cookie: session=' "$(hdr)"
tok=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p')
curl -s -D "$T/h" -o /dev/null -b "$J2" -c "$J2" --data-urlencode "csrf_token=$tok" \
	--data-urlencode "user=alice" --data-urlencode "password=$PW" \
	--data-urlencode "next=/members/env.cgi" "$URL/login"
answered "ended session's cookie: logging in again works at once" 303
expect_match "... logged in" '^REMOTE_USER=alice$' "$(curl -s -b "$J2" "$URL/members/env.cgi")"
expect_eq "... and the ended session stays ended" 303 "$(status_of "$URL/members/env.cgi" -b "session=$before")"

# --- the password in no log -------------------------------------------------------------
check "the password is in no log line" sh -c "! grep -rqF 'horse' '$T'/*.log"
expect_match "a failure is logged with the user and the address" \
	"/login: failed login for user 'nosuchuser' from 127.0.0.1" "$(cat "$T/sessionwrap.log")"
expect_match "a login is logged" "/login: user 'alice' logged in from 127.0.0.1" "$(cat "$T/sessionwrap.log")"

# --- limits ---------------------------------------------------------------------------------
long=$(head -c "$((MAX_PASSWORD = 1024))" /dev/zero | tr '\0' '%')
printf '%s\n' "$long" | "$CTL" passwd --stdin "$T/passwd" longpw >/dev/null 2>&1
expect_eq "passwd: a password of 1024 bytes (MAX_PASSWORD)" 0 "$?"
printf '%s%%\n' "$long" | "$CTL" passwd --stdin "$T/passwd" longpw2 >/dev/null 2>&1
expect_eq "passwd: one of 1025 bytes is refused" 1 "$?"
post longpw "$long" /open/env.cgi "$(tok2)"
expect_match "login with a password of 1024 bytes (each sent as %25)" '^Location: /open/env.cgi$' "$(hdr)"
post longpw "$long%" /open/env.cgi "$(tok2)"
answered "one of 1025 bytes is a wrong password" 200
tok=$(tok2)
body="csrf_token=$tok&user=bob&password=bobpw&next=/open/env.cgi&pad="
pad=$((MAX_LOGIN_BODY = 8192))
pad=$(head -c "$((8192 - ${#body}))" /dev/zero | tr '\0' x)
curl -s -D "$T/h" -o /dev/null -b "$J" -c "$J" --data-binary "$body$pad" "$URL/login"
expect_match "a form body of 8192 bytes (MAX_LOGIN_BODY)" '^Location: /open/env.cgi$' "$(hdr)"
tok=$(tok2)
body="csrf_token=$tok&user=bob&password=bobpw&next=/open/env.cgi&pad="
curl -s -D "$T/h" -o /dev/null -b "$J" -c "$J" --data-binary "${body}x$pad" "$URL/login"
answered "one of 8193 bytes" 413
# /members/ + 39 segments of 99 a's and "/" + 183 a's + .cgi: 4096 bytes.
p4k=$(python3 -c 'print("/members/" + ("a" * 99 + "/") * 39 + "a" * 183 + ".cgi")')
expect_eq "a path of 4096 bytes (MAX_ACCESS_PATH) is matched" 303 "$(status_of "$URL$p4k")"
expect_eq "one of 4097 is refused" 400 "$(status_of "$URL/a$p4k")"
head -c 65536 /dev/zero | tr '\0' x >"$T/big.html"
out=$(tconf tbig "password_file = $T/passwd" "login_template = $T/big.html")
expect_match "-t: a template of 64 KiB (MAX_LOGIN_TEMPLATE)" 'configuration ok$' "$out"
printf 'x' >>"$T/big.html"
out=$(tconf tbig2 "password_file = $T/passwd" "login_template = $T/big.html")
expect_match "-t: one of 64 KiB + 1" '\[access\] login_template: .*big.html: longer than 65536 bytes' "$out"
out=$(tconf r64 "rule64 = / any")
expect_match "-t: rule64 (MAX_ACCESS_RULES)" 'configuration ok$' "$out"
