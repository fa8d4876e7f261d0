#!/bin/sh
# A full disk: the store on a 256 KiB tmpfs, filled by new sessions until
# the file system refuses.  A commit that cannot be written is a 500 with
# a log line naming the record file; nothing stored before is lost or
# changed, no temp file is left behind, and a session that fits its file
# is still updated in place.  Mounting needs root, as CI runs the suite.
. "$SW_SRCDIR/tests/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	notok "disk full: needs root to mount a small tmpfs (run the suite as root)"
	exit 0
fi
mkdir "$T/small"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$T/small" || notok "tmpfs mounted"
# The servers hold the mount busy: stop them before unmounting.
unmount() {
	# SIGTERM: sessionwrap's master stops its workers and waits for them.
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	umount "$T/small" || echo "not ok - $T/small unmounted"
	cleanup
}
trap unmount EXIT

make_cgi_dir
STORE="$T/small/store" write_session_config "$T/sw.ini" </dev/null
export TMPDIR="$T/small"     # where an answer held back goes past memory
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
unset TMPDIR
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"

# The status of the last sreq.
status() { sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/h"; }
A="$T/jarA"
sreq "$A" "setkey.cgi?user=alice&step=1" >/dev/null
expect_eq "session A stored" 200 "$(status)"
B="$T/jarB"
sreq "$B" "setkey.cgi?user=bob" >/dev/null
expect_eq "session B logged in" 200 "$(status)"

# New sessions of ~3 KiB each until the disk is full.
i=1 full=0
while [ $i -le 150 ]; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -c "$T/jar$i" "$URL/bigset.cgi?name=pad&n=3000")
	if [ "$code" != 200 ]; then full=$i; break; fi
	i=$((i + 1))
done
check "the disk filled up after some sessions ($full)" [ "$full" -gt 5 ]
expect_eq "a commit that does not fit: 500" 500 "$code"
expect_match "logged, naming the record file" \
	"session record $T/small/store/[0-9a-f]{2}/\\.tmp-[0-9a-f]+: No space left on device" "$(cat "$T/sessionwrap.log")"
expect_match "and the script" "script $T/cgi/bigset.cgi: session not committed" "$(cat "$T/sessionwrap.log")"
expect_eq "no temp file left" "" "$(find "$T/small/store" -name '.tmp-*')"

# An answer held back while the body comes in cannot go to the full disk
# either: said so, and written through (lighttpd reads both ways).
check_write_first "full TMPDIR, 10 MB written before a 300 KB body is read" 300000 "$URL"
expect_match "... with a warning naming the script and the directory" \
	"script $T/cgi/write-first.cgi: cannot hold the answer back while the request body comes in: cannot write a temporary file in $T/small: No space left on device; writing through" \
	"$(cat "$T/sessionwrap.log")"

# Everything stored before is there, unchanged.
b=$(sreq "$A" "sess.cgi")
expect_match "session A intact" '^SESSION=step=1&user=alice$' "$b"
lost=0 j=1
while [ $j -lt "$full" ]; do
	curl -s -b "$T/jar$j" "$URL/sess.cgi" | grep -q "^SESSION_pad=vvv" || lost=$((lost + 1))
	j=$((j + 1))
done
expect_eq "all $((full - 1)) sessions of the fill intact" 0 "$lost"

# A change that fits the record's file is written in place: no space needed.
sreq "$A" "setkey.cgi?step=2" >/dev/null
expect_match "session A updated in place on a full disk" '^SESSION=step=2&user=alice$' "$(sreq "$A" "sess.cgi")"
# One that outgrows it needs a new file: refused, A unchanged.
sreq "$A" "bigset.cgi?name=big&n=8000" >/dev/null
expect_eq "session A outgrowing its file on a full disk: 500" 500 "$(status)"
expect_match "session A unchanged after the refused commit" '^SESSION=step=2&user=alice$' "$(sreq "$A" "sess.cgi")"

# A login needs the per-user index entry (a new file) before the record
# names the user, so that a revoke can always find the session: on a
# full disk it is refused, and the session stays as it was.
dd if=/dev/zero of="$T/small/filler" bs=4k 2>/dev/null
check "not one block free" [ "$(df -k --output=avail "$T/small" | tail -n 1 | tr -d ' ')" -eq 0 ]
sreq "$T/jar1" "setkey.cgi?user=carol" >/dev/null
expect_eq "a login on the full disk: 500" 500 "$(status)"
expect_match "... logged, naming the index" "session store $T/small/store: index.*No space left on device" "$(cat "$T/sessionwrap.log")"
b=$(sreq "$T/jar1" "sess.cgi")
expect_match "... the session unchanged" '^SESSION_pad=vvv' "$b"
expect_nomatch "... and not logged in" '^SESSION_user=' "$b"
# A logout needs no free space: its tombstone goes over the record in
# place, its index entry is removed.  B (logged in before the disk
# filled) logs out on a disk without one free block.
b_cookie=$(awk '$6 == "session" { print $7 }' "$B")
sreq "$B" "sess.cgi?$(hq 'X-Session-Clear: 1')" >/dev/null
expect_eq "logout on the full disk: 200" 200 "$(status)"
expect_match "... and the cookie expired" '^Set-Cookie: session=; .*Max-Age=0' "$(hdr)"
b=$(curl -s -b "session=$b_cookie" "$URL/sess.cgi")
expect_match "B's old cookie is dead" '^SESSIONWRAP_NEW=1$' "$b"
expect_nomatch "... and holds nothing" 'SESSION_user=bob' "$b"
rm -f "$T/small/filler"

# Space freed (the fill's record files removed, as GC would): A grows.
find "$T/small/store" -type f ! -name .lock -size +2k -delete
sreq "$A" "setkey.cgi?step=3" >/dev/null
sreq "$A" "bigset.cgi?name=big&n=8000" >/dev/null
expect_eq "with space again, the same commit succeeds" 200 "$(status)"
expect_match "session A has grown" '^SESSION_big=v{8000}$' "$(sreq "$A" "sess.cgi")"
expect_match "and kept its keys" '^SESSION_user=alice$' "$(sreq "$A" "sess.cgi")"
expect_eq "no temp file left at the end" "" "$(find "$T/small/store" -name '.tmp-*')"
