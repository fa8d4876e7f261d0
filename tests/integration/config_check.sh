#!/bin/sh
# sessionwrap -t and --keygen on the command line: -t has no side effect
# (a missing store directory is reported, not made), every error about a
# secret file or the store names the config file, section and key, and
# the secret file rules count what a user would count.
. "$SW_SRCDIR/tests/lib.sh"

mkdir -p "$T/cgi"
"$SW" --keygen "$T/secret" >/dev/null
conf() {   # conf FILE [extra [session] lines...]
	f=$1; shift
	{
		printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\n' "$T" "$T"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$f"
}

# --- -t leaves nothing behind -------------------------------------------------
conf "$T/new.ini" "dir = $T/store"
out=$("$SW" -t -f "$T/new.ini" 2>&1); rc=$?
expect_eq "-t with a store dir still to make: exit 0" 0 "$rc"
expect_match "-t says the store dir will be made at start" \
	"new.ini: \[session\] dir: $T/store does not exist yet; it will be made \(mode 0700\) at start" "$out"
expect_match "... and that the configuration is ok" 'configuration ok$' "$out"
check "-t did not make the store dir" [ ! -e "$T/store" ]

conf "$T/typo.ini" "dir = $T/nosuch/store"
out=$("$SW" -t -f "$T/typo.ini" 2>&1); rc=$?
expect_eq "-t with a store dir whose parent is missing: exit 1" 1 "$rc"
expect_match "... naming file, section and key" \
	"typo.ini: \[session\] dir: $T/nosuch/store does not exist and cannot be made: $T/nosuch: No such file" "$out"
expect_match "... and ending as a config error" 'typo.ini: configuration has errors$' "$out"
check "... and made nothing" [ ! -e "$T/nosuch" ]

conf "$T/file.ini" "dir = $T/secret"
out=$("$SW" -t -f "$T/file.ini" 2>&1); rc=$?
expect_eq "-t with a file as store dir: exit 1" 1 "$rc"
expect_match "... naming file, section and key" "file.ini: \[session\] dir: .*$T/secret: Not a directory" "$out"
expect_match "... and ending as a config error" 'file.ini: configuration has errors$' "$out"

# --- paths must be absolute -----------------------------------------------------
printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = secret\nsecret_fallbacks = old\ndir = store\n' \
	"$T" >"$T/rel.ini"
out=$(cd "$T" && "$SW" -t -f "$T/rel.ini" 2>&1); rc=$?
expect_eq "-t with relative session paths: exit 1" 1 "$rc"
expect_match "a relative dir is refused" "rel.ini: \[session\] dir: 'store' must be an absolute path" "$out"
expect_match "a relative secret_file is refused" "rel.ini: \[session\] secret_file: 'secret' must be an absolute path" "$out"
expect_match "a relative secret_fallbacks is refused" "rel.ini: \[session\] secret_fallbacks: 'old' must be an absolute path" "$out"
check "... and no ./store was made" [ ! -e "$T/store" ]
conf "$T/reldir.ini" "dir = store"
mkdir "$T/elsewhere"
out=$(cd "$T/elsewhere" && "$SW" --gc -f "$T/reldir.ini" 2>&1); rc=$?
expect_eq "--gc with a relative dir: exit 1, no store made in its cwd" "1 no" \
	"$rc $( [ -e "$T/elsewhere/store" ] && echo yes || echo no)"

# --- secret files: errors name file, section and key --------------------------
mkdir -m 700 "$T/store"
conf "$T/fb.ini" "dir = $T/store" "secret_fallbacks = $T/secret $T/missing"
out=$("$SW" -t -f "$T/fb.ini" 2>&1); rc=$?
expect_eq "-t with a missing fallback secret: exit 1" 1 "$rc"
expect_match "... naming file, section and key" \
	"fb.ini: \[session\] secret_fallbacks: secret file $T/missing: No such file" "$out"
expect_match "... and ending as a config error" 'fb.ini: configuration has errors$' "$out"
out=$("$SW" -f "$T/fb.ini" -s "unix:$T/sw.sock" 2>&1); rc=$?
expect_match "starting with it names file, section and key too" \
	"fb.ini: \[session\] secret_fallbacks: secret file $T/missing" "$out"

# --- secret files: what is counted -------------------------------------------
# Hex digits carry half a byte each: 32 of them are 16 random bytes.
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/hex32"; echo >>"$T/hex32"
chmod 600 "$T/hex32"
conf "$T/hex32.ini" "dir = $T/store"
sed -i "s|^secret_file = .*|secret_file = $T/hex32|" "$T/hex32.ini"
out=$("$SW" -t -f "$T/hex32.ini" 2>&1); rc=$?
expect_eq "a secret of 32 hex digits is refused" 1 "$rc"
expect_match "... saying what was counted" \
	"hex32.ini: \[session\] secret_file: secret file $T/hex32: 32 hex digits \(16 random bytes\), at least 64 needed" "$out"
# A 32-byte binary secret that ends in 0x0a: all 32 bytes count.
{ head -c 31 /dev/urandom | tr '\n' x; printf '\n'; } >"$T/bin32"; chmod 600 "$T/bin32"
sed "s|^secret_file = .*|secret_file = $T/bin32|" "$T/hex32.ini" >"$T/bin32.ini"
out=$("$SW" -t -f "$T/bin32.ini" 2>&1); rc=$?
expect_eq "a 32-byte binary secret ending in a newline is accepted" "0 32" "$rc $(wc -c <"$T/bin32" | tr -d ' ')"

# --- --keygen takes one file ----------------------------------------------------
out=$("$SW" --keygen "$T/k1" "$T/k2" 2>&1); rc=$?
expect_eq "--keygen with two operands: exit 1" 1 "$rc"
expect_match "... names the extra operand" "unexpected operand '$T/k2'" "$out"
expect_match "... and shows the usage" '^usage: sessionwrap' "$out"
check "... and writes neither file" [ ! -e "$T/k1" -a ! -e "$T/k2" ]
