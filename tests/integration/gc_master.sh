#!/bin/sh
# The master runs the session GC by itself every gc_interval, over the
# whole store (all shard directories), without a request touching them.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
write_session_config "$T/sw.ini" <<'EOF2'
idle_timeout = 2s
EOF2
sed -i 's/^\[server\]/[server]\ngc_interval = 2s/' "$T/sw.ini"
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"
n=1
while [ $n -le 12 ]; do curl -s -o /dev/null "$URL/setkey.cgi?k=$n"; n=$((n + 1)); done
records() { find "$T/store" -type f ! -name '.lock' | wc -l | tr -d ' '; }
shards=$(find "$T/store" -mindepth 1 -type d | wc -l | tr -d ' ')
expect_eq "12 sessions stored" 12 "$(records)"
check "spread over several shard directories ($shards)" [ "$shards" -gt 1 ]
i=0
while [ "$(records)" -gt 0 ] && [ $i -lt 80 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "the master's GC removed every expired record by itself" 0 "$(records)"
sleep 0.3
expect_eq "and logged how many" 12 \
	"$(sed -n 's/.*gc: removed \([0-9]*\) .*/\1/p' "$T/sessionwrap.log" | awk '{s += $1} END {print s + 0}')"

# --- gc_interval changed by a reload -------------------------------------------
# To 0: no GC at all (it used to start one at every wakeup, ~1,500 a
# second); back to 1s: GC again.
sed -i 's/^gc_interval = .*/gc_interval = 0/' "$T/sw.ini"
kill -HUP "$SW_PID"; sleep 1.5
curl -s -o /dev/null "$URL/setkey.cgi?k=late"
sleep 4
expect_eq "gc_interval 0 after a reload: the expired record stays" 1 "$(records)"
sed -i 's/^gc_interval = .*/gc_interval = 1s/' "$T/sw.ini"
kill -HUP "$SW_PID"
i=0
while [ "$(records)" -gt 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "gc_interval 1s after a reload: GC runs again" 0 "$(records)"
