#!/bin/sh
# The demo in a real browser: Debian's headless Chromium driven by
# playwright-core (tests/browser/flow.mjs) through lighttpd and sessionwrap.
# Log in, two items in the cart, the flash shown once, a cross-site form
# refused (403) while the cart's own works, admin 403, log out, and Back
# shows nothing of the logged-in page.  Screenshots go to
# $SW_TEST_OUTPUT/browser/.
#
# Needs: chromium, nodejs, and `npm ci` run in tests/browser (done here into
# the build tree if the source tree has no node_modules).
. "$SW_SRCDIR/tests/lib.sh"
. "$SW_SRCDIR/tests/integration/demo.inc"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
check "chromium is installed ($CHROMIUM)" test -x "$CHROMIUM"
check "node is installed" command -v node

# playwright-core: from the source tree, or installed into the build tree.
pw=""
for d in "$SW_SRCDIR/tests/browser" "$SW_BUILDDIR/tests/browser"; do
	[ -d "$d/node_modules/playwright-core" ] && { pw=$d; break; }
done
if [ -z "$pw" ]; then
	pw="$SW_BUILDDIR/tests/browser"
	mkdir -p "$pw"
	cp "$SW_SRCDIR/tests/browser/package.json" "$SW_SRCDIR/tests/browser/package-lock.json" "$pw/"
	(cd "$pw" && npm ci --no-audit --no-fund >"$T/npm.log" 2>&1)
fi
check "playwright-core is installed in $pw" test -d "$pw/node_modules/playwright-core"
# Node resolves playwright-core from the script's own directory.
[ "$pw" = "$SW_SRCDIR/tests/browser" ] || cp "$SW_SRCDIR/tests/browser/flow.mjs" "$pw/"

# --- login (issue 13): sessionwrap's own form guards whoami.cgi, an old
# script that only reads REMOTE_USER; lighttpd sends /login and /logout to
# sessionwrap too.
for u in alice bob; do
	printf 'demo\n' | "$SW_BUILDDIR/src/sessionctl" passwd --stdin "$T/passwd" "$u" >/dev/null
done
demo_setup <<EOF2
[access]
rule1 = /cgi-bin/whoami.cgi login
password_file = $T/passwd
login_template = $SW_SRCDIR/etc/login.html
EOF2
localize "$SW_SRCDIR/etc/lighttpd/sessionwrap-socket.conf" "$T/socket.conf"
cat >>"$T/socket.conf" <<EOF2
fastcgi.server += ("/login" => (("socket" => "$T/sw.sock", "check-local" => "disable")),
                   "/logout" => (("socket" => "$T/sw.sock", "check-local" => "disable")))
EOF2
# --- end login
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd_with web "$T/socket.conf" || notok "lighttpd started"

shots="${SW_TEST_OUTPUT:-$T}/browser"
mkdir -p "$shots"
echo "# chromium through $URL/cgi-bin, screenshots in $shots"
CHROMIUM=$CHROMIUM timeout 180 node "$pw/flow.mjs" "$URL/cgi-bin" "$shots" "$T/chromium-profile" 2>"$T/node.log"
rc=$?
expect_eq "the browser flow finished" 0 "$rc"
check "screenshots saved" test -s "$shots/10-back-after-logout.png"
expect_match "the cross-site POST was refused by sessionwrap, logged" \
	"cart\.cgi: POST refused \(403\), a cross-site request: Sec-Fetch-Site is 'cross-site'" \
	"$(cat "$T/sessionwrap.log")"
check "lighttpd stops" stop_pid "$LIGHTTPD_PID"
check "sessionwrap stops" stop_pid "$SW_PID"
