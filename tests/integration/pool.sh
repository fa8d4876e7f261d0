#!/bin/sh
# The worker pool grows under load: [server] workers always run; when every
# one is busy the master starts an extra worker, up to max_workers, so slow
# requests do not stall the others; an extra worker idle for 10 s exits.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
WORKERS=2 TIMEOUT=30s write_config "$T/sw.ini" </dev/null
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"
nworkers() { pgrep -P "$SW_PID" | wc -l | tr -d ' '; }
# busy: how many workers run a CGI program now
busy() {
	n=0
	for w in $(pgrep -P "$SW_PID"); do pgrep -P "$w" >/dev/null && n=$((n + 1)); done
	echo "$n"
}
# wait_long CMD...: up to 30 s
wait_long() {
	i=0
	while ! "$@" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 300 ] && return 1; sleep 0.1
	done
}
wait_for sh -c "[ \$(pgrep -P $SW_PID | wc -l) -eq 2 ]"
expect_eq "workers = 2: two workers" 2 "$(nworkers)"

# --- two slow requests in flight: a third is answered at once ----------------
curl -s -m 40 "$URL/slow.cgi?10" -o "$T/slow1" &
S1=$!
curl -s -m 40 "$URL/slow.cgi?10" -o "$T/slow2" &
S2=$!
wait_for sh -c "[ \$(for w in \$(pgrep -P $SW_PID); do pgrep -P \$w; done | wc -l) -ge 2 ]"
expect_eq "both workers busy with a 10 s request" 2 "$(busy)"
# (Today's wait would be 10 s; 3 s is a generous margin on a busy machine.)
code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$URL/status.cgi")
expect_eq "a third request is answered while both are busy" 201 "$code"
expect_eq "... by an extra worker: three now" 3 "$(nworkers)"
expect_match "... logged" "all 2 workers busy, a request waiting: extra worker [0-9]+ started \\(at most 8\\)" \
	"$(cat "$T/sessionwrap.log")"
wait "$S1" "$S2"
expect_eq "the slow requests were answered whole" "slept 10 slept 10" \
	"$(cat "$T/slow1") $(cat "$T/slow2")"
wait_long sh -c "[ \$(pgrep -P $SW_PID | wc -l) -eq 2 ]"
expect_eq "idle again: the extra worker exits, back to two" 2 "$(nworkers)"
expect_match "... saying why" "extra worker idle for 10 s: exiting" "$(cat "$T/sessionwrap.log")"
expect_nomatch "... not taken for a death" "died" "$(cat "$T/sessionwrap.log")"
expect_eq "requests still served" 201 "$(status_of "$URL/status.cgi")"

# --- max_workers bounds the pool (after a reload) ------------------------------
sed -i 's/^workers = 2$/workers = 1\nmax_workers = 2/' "$T/sw.ini"
kill -HUP "$SW_PID"
wait_for grep -q "configuration reloaded" "$T/sessionwrap.log"
wait_for sh -c "[ \$(pgrep -P $SW_PID | wc -l) -eq 1 ]"
expect_eq "reloaded with workers = 1, max_workers = 2: one worker" 1 "$(nworkers)"
( while :; do nworkers >>"$T/counts"; sleep 0.1; done ) &
SAMPLER=$!
for n in 1 2 3; do
	curl -s -m 40 "$URL/slow.cgi?5" -o "$T/max$n" &
	eval "M$n=\$!"
done
wait_for sh -c "[ \$(for w in \$(pgrep -P $SW_PID); do pgrep -P \$w; done | wc -l) -ge 2 ]"
sleep 1
expect_eq "three slow requests: two workers, both busy: the third waits" "2 2" "$(nworkers) $(busy)"
wait "$M1" "$M2" "$M3"
expect_eq "... and is answered after one of the others" "slept 5 slept 5 slept 5" \
	"$(cat "$T/max1") $(cat "$T/max2") $(cat "$T/max3")"
kill "$SAMPLER"
expect_eq "max_workers = 2 never exceeded ($(wc -l <"$T/counts") samples)" 2 \
	"$(sort -n "$T/counts" | tail -n 1)"

# --- a stop with an extra worker running ----------------------------------------
kill -TERM "$SW_PID"
wait_for sh -c "! kill -0 $SW_PID"
wait "$SW_PID"
expect_eq "SIGTERM with an extra worker: the master exits 0" 0 "$?"
check "... no worker left behind" sh -c "! pgrep -f '[s]essionwrap -f $T/sw.ini' >/dev/null"
