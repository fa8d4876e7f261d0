#!/bin/sh
# Programs sessionwrap refuses to run, through lighttpd: setuid and setgid
# files always; with [handler] strict_permissions (the default) a program,
# or a directory from the root down to it, writable by group or others.
# Each refusal is a 403 and a log line naming the file and the reason.
# And a program below a directory sessionwrap's user cannot enter is
# named in the log with that directory.
. "$SW_SRCDIR/tests/lib.sh"

mkdir -p "$T/cgi/open" "$T/cgi/locked"
prog() { # prog NAME MODE
	printf '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nran\\n"\n' >"$T/cgi/$1"
	chmod "$2" "$T/cgi/$1"
}
prog ok.cgi 0755
prog suid.cgi 4755
prog sgid.cgi 2755
prog gw.cgi 0775
# File capabilities (cap_setuid, effective): setuid by another name.
prog caps.cgi 0755
python3 -c 'import os, struct, sys; os.setxattr(sys.argv[1], "security.capability",
	struct.pack("<5I", 0x02000001, 1 << 7, 0, 0, 0))' "$T/cgi/caps.cgi"
prog ow.cgi 0757
prog open/ok.cgi 0755
prog locked/ok.cgi 0755
chmod 0755 "$T/cgi" "$T/cgi/locked"
chmod 0777 "$T/cgi/open"

write_config "$T/strict.ini" </dev/null
start_sw "$T/strict.ini" "$T/strict.sock" || notok "sessionwrap started"
start_lighttpd strict socket "$T/strict.sock" </dev/null || notok "lighttpd started"
expect_eq "a 0755 program in a 0755 directory runs" "ran 200" \
	"$(curl -s -w ' %{http_code}' "$URL/ok.cgi" | tr -d '\n')"
expect_eq "setuid -> 403" 403 "$(status_of "$URL/suid.cgi")"
expect_eq "setgid -> 403" 403 "$(status_of "$URL/sgid.cgi")"
expect_eq "file capabilities -> 403" 403 "$(status_of "$URL/caps.cgi")"
expect_eq "program mode 0775 -> 403" 403 "$(status_of "$URL/gw.cgi")"
expect_eq "program mode 0757 -> 403" 403 "$(status_of "$URL/ow.cgi")"
expect_eq "program in a 0777 directory -> 403" 403 "$(status_of "$URL/open/ok.cgi")"
chmod 0775 "$T/cgi"
expect_eq "the root itself 0775 -> 403" 403 "$(status_of "$URL/ok.cgi")"
chmod 0755 "$T/cgi"
sleep 0.3
log=$(cat "$T/sessionwrap.log")
expect_match "log: setuid, naming the file" \
	"refused \\(403\\): $T/cgi/suid.cgi is setuid \\(mode 4755\\): never run" "$log"
expect_match "log: setgid, naming the file" \
	"refused \\(403\\): $T/cgi/sgid.cgi is setgid \\(mode 2755\\): never run" "$log"
expect_match "log: file capabilities, naming the file" \
	"refused \\(403\\): $T/cgi/caps.cgi has file capabilities \\(security.capability\\): never run" "$log"
expect_match "log: writable by group, naming the file and the key" \
	"refused \\(403\\): $T/cgi/gw.cgi is writable by group \\(mode 0775; \\[handler\\] strict_permissions\\)" "$log"
expect_match "log: writable by others" \
	"refused \\(403\\): $T/cgi/ow.cgi is writable by others \\(mode 0757;" "$log"
expect_match "log: the directory at fault" \
	"refused \\(403\\): $T/cgi/open/ok.cgi: its directory $T/cgi/open is writable by group and others \\(mode 0777;" "$log"
expect_match "log: the root at fault" \
	"refused \\(403\\): $T/cgi/ok.cgi: its directory $T/cgi is writable by group \\(mode 0775;" "$log"

# strict_permissions = off: only setuid and setgid are refused.
: >"$T/sessionwrap.log"
write_config "$T/lax.ini" <<EOF2
strict_permissions = off
EOF2
start_sw "$T/lax.ini" "$T/lax.sock" || notok "sessionwrap (lax) started"
start_lighttpd lax socket "$T/lax.sock" </dev/null || notok "lighttpd (lax) started"
expect_eq "off: program mode 0775 runs" 200 "$(status_of "$URL/gw.cgi")"
expect_eq "off: program mode 0757 runs" 200 "$(status_of "$URL/ow.cgi")"
expect_eq "off: program in a 0777 directory runs" 200 "$(status_of "$URL/open/ok.cgi")"
expect_eq "off: setuid still -> 403" 403 "$(status_of "$URL/suid.cgi")"
expect_eq "off: setgid still -> 403" 403 "$(status_of "$URL/sgid.cgi")"

# A directory on the way sessionwrap's user may not enter: as root, the
# workers run as nobody and the directory is root's, 0700; otherwise it
# is ours with no x bit.
: >"$T/sessionwrap.log"
if [ "$(id -u)" -eq 0 ]; then
	chmod 0700 "$T/cgi/locked"
	uid=$(id -u nobody)
	user="user = nobody"
else
	chmod 0600 "$T/cgi/locked"
	uid=$(id -u)
	user=""
fi
{ printf '[server]\nworkers = 1\n%s\n[handler]\nroot = %s/cgi\n' "$user" "$T"; } >"$T/locked.ini"
start_sw "$T/locked.ini" "$T/locked.sock" || notok "sessionwrap (as another user) started"
start_lighttpd locked socket "$T/locked.sock" </dev/null || notok "lighttpd (locked) started"
expect_eq "a program below a directory we cannot enter -> 403" 403 "$(status_of "$URL/locked/ok.cgi")"
sleep 0.3
expect_match "log: the path, the error and the directory at fault" \
	"refused \\(403\\): cannot reach $T/cgi/locked/ok.cgi: Permission denied \\(EACCES on $T/cgi/locked, searched as uid $uid\\)" \
	"$(cat "$T/sessionwrap.log")"
chmod 0755 "$T/cgi/locked"
