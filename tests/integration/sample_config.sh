#!/bin/sh
# The annotated etc/sessionwrap.ini and the man pages against the code:
# every key of src/config.c is in the sample (in its section) and in
# sessionwrap.ini(5), and so is every hard limit a user can meet, with its
# value; the sample passes `sessionwrap -t`, as shipped (install
# paths made local) and with every commented default switched on; both man
# pages render without a warning.
. "$SW_SRCDIR/tests/lib.sh"

ini="$SW_SRCDIR/etc/sessionwrap.ini"
man5="$SW_SRCDIR/man/sessionwrap.ini.5"
keys=$(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", "\([a-z_]*\)".*/\1:\2/p' "$SW_SRCDIR/src/config.c")
check "src/config.c lists its keys" [ "$(echo "$keys" | wc -l)" -ge 30 ]
for sk in $keys; do
	sec=${sk%%:*} key=${sk#*:}
	# The key's line, commented or not, inside its own section.
	found=$(awk -v s="[$sec]" -v k="$key" '
		/^\[/ { cur = $0 }
		cur == s && $0 ~ "^;?" k " =" { print "yes"; exit }' "$ini")
	expect_eq "sample config documents [$sec] $key" yes "$found"
	# ".BR key ..." or ".BR user \", \" group ..." heading a key's entry
	if grep -Eq "^\.BR? ([a-z_]+ \", \" )?$key( |\"|$)" "$man5"; then
		ok "sessionwrap.ini(5) documents [$sec] $key"
	else
		notok "sessionwrap.ini(5) documents [$sec] $key"
	fi
done

# As shipped, with the install paths made local.
mkdir -p "$T/cgi"
"$SW" --keygen "$T/secret" >/dev/null
local_paths() {
	sed -e "s|^root = /usr/lib/cgi-bin|root = $T/cgi|" \
	    -e "s|^secret_file = /etc/sessionwrap/secret|secret_file = $T/secret|" \
	    -e "s|^dir = /var/lib/sessionwrap|dir = $T/store|"
}
local_paths <"$ini" >"$T/shipped.ini"
check "the shipped sample names only those install paths" \
	sh -c "! grep -Eq '^[a-z_]+ = /(usr|etc|var)' '$T/shipped.ini'"
out=$("$SW" -t -f "$T/shipped.ini" 2>&1); rc=$?
expect_eq "the sample passes sessionwrap -t" 0 "$rc"
expect_match "-t says the store dir will be made at start" \
	"\[session\] dir: $T/store does not exist yet; it will be made" "$out"
check "-t made nothing" [ ! -e "$T/store" ]

# Every documented default switched on must still be a valid config.
sed -e 's/^;\([a-z_]* =\)/\1/' "$T/shipped.ini" >"$T/defaults.ini"
check "every commented default was switched on" \
	[ "$(grep -c '^[a-z_]* =' "$T/defaults.ini")" -eq "$(echo "$keys" | wc -l)" ]
check "the sample with every default set passes sessionwrap -t" "$SW" -t -f "$T/defaults.ini"

# A typo is caught: the check is real.
sed 's/^;idle_timeout = 30m/idle_timeout = 30 minutes/' "$T/shipped.ini" >"$T/bad.ini"
out=$("$SW" -t -f "$T/bad.ini" 2>&1)
expect_match "a bad value is reported with file, section and key" \
	"bad.ini: \[session\] idle_timeout" "$out"

# Every hard limit a user can meet is in sessionwrap.ini(5) LIMITS, with
# the value the code has: "NAME unit phrase" (%s is the value; unit n as
# is, k and K in KiB, M in MiB, rounded up).
limits=$(MANWIDTH=2000 man -l "$man5" 2>/dev/null | sed -n '/^LIMITS/,/^EXAMPLE/p' | tr -s ' ')
while read -r name unit phrase; do
	v=$(sed -n "s/^#define $name[[:space:]]\{1,\}\([^/]*\).*/\1/p" "$SW_SRCDIR"/src/*.h | head -n 1)
	if [ -z "$v" ]; then notok "bounds: $name is defined"; continue; fi
	v=$(( $v ))
	case $unit in
	k|K) v=$(( (v + 1023) / 1024 )) ;;
	M) v=$(( (v + 1048575) / 1048576 )) ;;
	esac
	want=$(printf "$phrase" "$v")
	case $limits in
	*"$want"*) ok "sessionwrap.ini(5) LIMITS: $name ($want)" ;;
	*) notok "sessionwrap.ini(5) LIMITS: $name (no '$want')" ;;
	esac
done <<'EOF2'
MAX_SESSION_SIZE_LIMIT k 1k to %sk
MAX_KEY_LEN n 1 to %s bytes once decoded
MAX_KEYS n %s keys in a session
MAX_FLASHES n %s pending flash messages
MAX_CHANGES n %s changes
MAX_HEADER_BLOCK K at most %s KiB and
MAX_HEADER_BLOCK K a single value stays below %s KiB
MAX_HEADERS n KiB and %s header lines
MAX_COOKIE_HEADER K Cookie header over %s KiB
MAX_SESSION_COOKIES n the first %s are tried
MAX_SET_COOKIE_ATTRS n at most %s bytes besides its value
MAX_COOKIE_STORE_VALUE n 256 to %s characters
MAX_ENV_STRING K at most %s KiB - 1 byte
MAX_ENV_TOTAL M at most %s MiB
MAX_ENV_COUNT n MiB and %s variables
MAX_PARAM_NAME n longer than %s bytes is not passed
MAX_PARAMS_TOTAL K at most %s KiB in all
MAX_PARAMS n KiB in all (names, values and their length bytes), %s params
MAX_PARAM_VALUE K one value at most %s KiB
PARAMS_TIMEOUT n within %s seconds of the connection
CUT_GRACE n has %s more second
DRAIN_TIME n for at most %s second
DRAIN_MAX K second and %s KiB
MAX_STDERR_LINE n pieces of at most %s bytes
MAX_KILL_ROUNDS n generation deep, at most %s passes
ENV_KEY_MAX n at most %s characters from
MAX_ROOTS n root at most %s directories
MAX_PASS_ENV n pass_env %s names
MAX_WORKERS n max_workers %s;
MAX_FALLBACK_KEYS n secret_fallbacks %s files
SECRET_MAX_LEN n a secret file at most %s bytes
MAX_REDIS_SENTINELS n sentinels %s servers
MAX_REDIS_PREFIX n prefix %s bytes
MAX_REDIS_DB n db 0 to %s,
MAX_REDIS_REPLICAS n wait_replicas 0 to %s,
MAX_REDIS_PASSWORD n a Redis password file at most %s bytes
MAX_TRUSTED_ORIGINS n trusted_origins %s origins
CSRF_BODY_PREFIX K in its first %s KiB only
MAX_ACCESS_RULES n to rule%s of at most
MAX_ACCESS_RULE n of at most %s bytes, 32 names
MAX_ACCESS_USERS n bytes, %s names in a user rule
MAX_LOGIN_NAME n names of at most %s bytes;
MAX_ACCESS_PATH n a request path of at most %s bytes
MAX_NEXT_PATH n a next of at most %s bytes
MAX_LOGIN_BODY n a login form body of at most %s bytes
MAX_PASSWORD n a password of at most %s bytes
MAX_PASSWORD_FILE K a password file of at most %s KiB
MAX_PASSWORD_LINE n lines of at most %s bytes
MAX_LOGIN_TEMPLATE K a login template of at most %s KiB
MAX_LOGIN_PAGE K its page at most %s KiB
MAX_LOGIN_FAILURES n max_failures 1 to %s.
EOF2

for m in sessionwrap.8 sessionwrap.ini.5; do
	w=$(groff -man -Tutf8 -ww -z "$SW_SRCDIR/man/$m" 2>&1)
	expect_eq "man page $m renders without warnings" "" "$w"
	check "man -l $m renders" sh -c "MANWIDTH=80 man -l '$SW_SRCDIR/man/$m' 2>/dev/null | grep -q 'SEE ALSO'"
done
