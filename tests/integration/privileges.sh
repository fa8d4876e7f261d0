#!/bin/sh
# [server] user: started as root, sessionwrap serves, checks a config (-t)
# and collects garbage (--gc) as that user, so nothing in the store ever
# ends up owned by root where the workers could not open it.  Started by
# anyone else it has nothing to drop and all of it runs as the caller.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
if [ "$(id -u)" -eq 0 ]; then owner=nobody; else owner=$(id -un); fi
P="$T/priv"
mkdir "$P"
chmod 755 "$P"
"$SW" --keygen "$P/secret" >/dev/null
cat >"$T/sw.ini" <<EOF2
[server]
workers = 2
user = nobody
[handler]
root = $T/cgi
[session]
secret_file = $P/secret
dir = $P/store
idle_timeout = 3s
EOF2
# Files in the store not owned by the user the workers run as.
foreign() { find "$P/store" ! -user "$owner" | head -n 3; }

if [ "$owner" = nobody ]; then
	# The secret is root's: the workers could not read it, so -t says so.
	out=$("$SW" -t -f "$T/sw.ini" 2>&1)
	rc=$?
	check "-t as root: a secret the user cannot read is an error" [ "$rc" -ne 0 ]
	expect_match "-t names the secret file and the user" \
		"secret file $P/secret: Permission denied \\(as \\[server\\] user nobody\\)" "$out"
	chown nobody "$P" "$P/secret"
fi
out=$("$SW" -t -f "$T/sw.ini" 2>&1)
expect_match "-t: configuration ok" 'configuration ok$' "$out"
check "-t made no store directory" [ ! -e "$P/store" ]

start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
expect_eq "the start made the store directory as $owner" "$owner" "$(stat -c %U "$P/store" 2>&1)"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"
expect_eq "the master runs as $owner" "$owner" "$(ps -o user= -p "$SW_PID" | tr -d ' ')"
users=$(for p in $(worker_pids "$SW_PID"); do ps -o user= -p "$p"; done | sort -u | tr -d ' ')
expect_eq "the workers run as $owner" "$owner" "$users"

# Three sessions that will have expired by the --gc below, three live.
mk() { curl -s -o /dev/null -c "$T/jar$1" "$URL/setkey.cgi?n=$1"; }
mk 1; mk 2; mk 3
sleep 3.5
mk 4; mk 5; mk 6
expect_eq "six sessions stored" 6 "$(find "$P/store" -type f ! -name .lock | wc -l | tr -d ' ')"
expect_eq "store files all owned by $owner" "" "$(foreign)"

# New sessions are written without the shard lock, so their shards may
# have no lock file yet: --gc makes one where it removes, as the
# workers' user.
find "$P/store" -name .lock -delete
out=$("$SW" --gc -f "$T/sw.ini" 2>&1)
expect_match "--gc removed the three expired sessions" '^removed 3 expired records' "$out"
check "--gc made lock files" [ "$(find "$P/store" -name .lock | wc -l)" -gt 0 ]
expect_eq "--gc left nothing owned by anyone but $owner" "" "$(foreign)"
for i in 4 5 6; do
	curl -s -o /dev/null -b "$T/jar$i" -c "$T/jar$i" "$URL/setkey.cgi?m=$i"
done
b=$(curl -s -b "$T/jar6" "$URL/sess.cgi")
expect_match "the workers commit after --gc" '^SESSION=m=6&n=6$' "$b"
expect_nomatch "[server] user set: no warning about root" 'running as root' "$(cat "$T/sessionwrap.log")"

# No [server] user (a service manager such as systemd picks the user):
# --gc as root works as the owner of the store directory.
grep -v '^user = ' "$T/sw.ini" >"$T/sw2.ini"
sleep 3.5
find "$P/store" -name .lock -delete
out=$("$SW" --gc -f "$T/sw2.ini" 2>&1)
expect_match "--gc without [server] user removed the other three" '^removed 3 expired records' "$out"
check "--gc made lock files again" [ "$(find "$P/store" -name .lock | wc -l)" -gt 0 ]
expect_eq "--gc as the store's owner left nothing owned by anyone else" "" "$(foreign)"
