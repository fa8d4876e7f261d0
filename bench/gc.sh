#!/bin/sh
# bench/gc.sh — GC of a big file store, against the filesystem's own cost
# of removing the same files.
#
# For each parent directory (default: /dev/shm, a tmpfs, and $TMPDIR or
# /tmp, whatever disk it is on), three identical stores of N records
# (tests/tools/store_fill: sealed one-key sessions, EXPIRED of them last
# seen two hours ago, past the 30 min idle timeout, spread evenly) are
# made, and timed:
#   gc        `sessionctl gc` over the first (removes the EXPIRED)
#   find      `find STORE -type f -mmin +60 -delete` over the second
#             (a stat of every file, an unlink of the expired)
#   unlink    a loop of unlink(2) over the names of the third's expired
#             files, listed beforehand (the unlinks alone)
#   old       with OLD=path/to/an/older/sessionwrap, its --gc over a
#             fourth store (to compare two builds)
# Each line: wall seconds, user and system CPU seconds (from time(1)), and
# the machine's load average when it began (2 cores shared with others:
# compare lines of one run).  Caches are warm (the fill just wrote the
# files) unless COLD=1, which drops the page cache before each timing
# (echo 3 > /proc/sys/vm/drop_caches: needs root, slows the whole machine
# for a moment).
#
# usage: [N=1000000] [EXPIRED=N/2] [BUILD=_build] [DIRS="/dev/shm /tmp"]
#        [OLD=…/sessionwrap] [COLD=1] bench/gc.sh
set -eu
N=${N:-1000000}
EXPIRED=${EXPIRED:-$((N / 2))}
BUILD=${BUILD:-_build}
DIRS=${DIRS:-"/dev/shm ${TMPDIR:-/tmp}"}
SW=$BUILD/src/sessionwrap
CTL=$BUILD/src/sessionctl
FILL=$BUILD/tests/tools/store_fill
for p in "$SW" "$CTL" "$FILL"; do
	[ -x "$p" ] || { echo "bench/gc.sh: $p missing (make benchmarks in $BUILD)" >&2; exit 1; }
done

W=""
trap 'rm -rf $W' EXIT INT TERM

cold() {
	sync
	[ "${COLD:-0}" = 1 ] && echo 3 >/proc/sys/vm/drop_caches
	return 0
}
# timed LABEL CMD...: one result line
timed() {
	label=$1; shift
	cold
	load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f "%e %U %S" -o "$W/time" "$@" >"$W/out" 2>&1 ||
		{ echo "bench/gc.sh: $label failed:" >&2; cat "$W/out" >&2; exit 1; }
	read -r wall user sys <"$W/time"
	printf '%-10s %-8s %8s s wall %7s s user %7s s sys   load %s   %s\n' \
		"$fs" "$label" "$wall" "$user" "$sys" "$load" "$(head -n 1 "$W/out")"
}

echo "# $N records, $EXPIRED expired; $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC')"
for parent in $DIRS; do
	W=$(mktemp -d "$parent/swgc.XXXXXX")
	fs=$(stat -f -c %T "$W")
	"$SW" --keygen "$W/secret" >/dev/null
	mkdir "$W/cgi"
	for s in gc find unlink old; do
		printf '[handler]\nroot = %s/cgi\n[session]\nsecret_file = %s/secret\ndir = %s/%s\nfsync = off\n' \
			"$W" "$W" "$W" "$s" >"$W/$s.ini"
	done

	"$FILL" "$W/secret" "$W/gc" "$N" "$EXPIRED" 7200
	timed gc "$CTL" -f "$W/gc.ini" gc
	live=$("$CTL" -f "$W/gc.ini" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["live"])')
	[ "$live" = $((N - EXPIRED)) ] || { echo "bench/gc.sh: $live live after gc, not $((N - EXPIRED))" >&2; exit 1; }
	rm -rf "$W/gc"

	"$FILL" "$W/secret" "$W/find" "$N" "$EXPIRED" 7200
	timed find find "$W/find" -type f -mmin +60 -delete
	rm -rf "$W/find"

	"$FILL" "$W/secret" "$W/unlink" "$N" "$EXPIRED" 7200
	find "$W/unlink" -type f -mmin +60 >"$W/list"
	timed unlink python3 -c 'import os, sys
for line in open(sys.argv[1]):
    os.unlink(line[:-1])' "$W/list"
	rm -rf "$W/unlink"

	if [ -n "${OLD:-}" ]; then
		"$FILL" "$W/secret" "$W/old" "$N" "$EXPIRED" 7200
		timed old "$OLD" --gc -f "$W/old.ini"
		rm -rf "$W/old"
	fi
	rm -rf "$W"
done
