#!/bin/sh
# The process model: SIGTERM with a request in flight, SIGHUP reload
# without dropped requests, a killed worker respawned, no zombies.
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
WORKERS=3 write_config "$T/sw.ini" </dev/null
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"

# --- a killed worker is respawned ------------------------------------------
wait_for sh -c "[ \$(pgrep -P $SW_PID | wc -l) -eq 3 ]"
expect_eq "3 workers running" 3 "$(pgrep -P "$SW_PID" | wc -l | tr -d ' ')"
victim=$(pgrep -P "$SW_PID" | head -n 1)
kill -KILL "$victim"
wait_for sh -c "[ \$(pgrep -P $SW_PID | wc -l) -eq 3 ] && ! pgrep -P $SW_PID | grep -qx $victim"
after=$(worker_pids "$SW_PID")
expect_eq "killed worker respawned: 3 workers again" 3 "$(echo $after | wc -w | tr -d ' ')"
expect_nomatch "the killed worker is gone" "(^| )$victim( |\$)" "$after"
expect_eq "requests still served after the respawn" 201 "$(status_of "$URL/status.cgi")"
zombies=$(ps -o stat= --ppid "$SW_PID" | grep -c Z)
expect_eq "no zombie children" 0 "$zombies"

# --- a worker killed in a request takes its CGI program's group along ------------
# (The program runs in a session of its own: without the master's help it
# would run on under init, past every timeout.)
rm -f "$T/cgi/slow.pgid"
curl -s -o /dev/null "$URL/slow.cgi?300" &
CURL2=$!
wait_for test -s "$T/cgi/slow.pgid"
pg=$(cat "$T/cgi/slow.pgid")
busy=$(ps -o ppid= -p "$pg" | tr -d ' ')
check "the slow program runs under a worker" sh -c "pgrep -P $SW_PID | grep -qx '$busy'"
check "... with its own children in its group" [ "$(pgrep -g "$pg" | wc -l)" -ge 2 ]
kill -KILL "$busy"
wait_for sh -c "! pgrep -g $pg >/dev/null"
expect_eq "worker killed: its program's whole process group is gone" 0 "$(pgrep -g "$pg" | wc -l | tr -d ' ')"
expect_match "... logged, naming the worker and the group" \
	"worker $busy ended \\(signal 9\\) with a CGI program running: its process group $pg killed" \
	"$(cat "$T/sessionwrap.log")"
wait "$CURL2"

# --- SIGHUP: new config, new workers, nothing dropped ------------------------
sed -i 's|^\[handler\]|[handler]\npath = /reloaded/bin:/usr/bin:/bin|' "$T/sw.ini"
old=$(worker_pids "$SW_PID")
( i=0; while [ $i -lt 60 ]; do
	status_of "$URL/status.cgi" >>"$T/during-reload"; echo >>"$T/during-reload"
	i=$((i + 1)); done ) &
LOOP=$!
sleep 0.2
kill -HUP "$SW_PID"
wait "$LOOP"
expect_eq "no request failed during the reload (60 requests)" "60" \
	"$(grep -c '^201$' "$T/during-reload")"
wait_for sh -c "for p in $old; do pgrep -P $SW_PID | grep -qx \$p && exit 1; done; exit 0"
expect_match "reloaded config in use" '^PATH=/reloaded/bin:/usr/bin:/bin$' "$(curl -s "$URL/env.cgi")"
new=$(worker_pids "$SW_PID")
gone=1
for p in $old; do case " $new " in *" $p "*) gone=0 ;; esac; done
check "old workers replaced" [ "$gone" -eq 1 ]
expect_eq "3 new workers" 3 "$(echo $new | wc -w | tr -d ' ')"

# --- SIGHUP with a broken config keeps the running one -----------------------
cp "$T/sw.ini" "$T/sw.ini.good"
echo "bogus_key = 1" >>"$T/sw.ini"
sw_reload
expect_match "broken config refused on reload, logged" "reload refused" "$(cat "$T/sessionwrap.log")"
expect_match "the refused reload names the file, section and key at fault, on a line of its own" \
	"error: reload refused: $T/sw.ini: \\[handler\\] bogus_key: unknown key\$" "$(cat "$T/sessionwrap.log")"
expect_eq "still serving after a refused reload" 201 "$(status_of "$URL/status.cgi")"
cp "$T/sw.ini.good" "$T/sw.ini"

# --- a reload cannot change the user: it says so --------------------------------
sed -i 's/^\[server\]/[server]\nuser = nobody/' "$T/sw.ini"
sw_reload
expect_match "a reload that changes [server] user warns that it needs a restart" \
	"sw.ini: \\[server\\] user changed: it takes effect at a restart, not a reload" \
	"$(cat "$T/sessionwrap.log")"
expect_eq "... and the workers still run as before" "$(id -un)" \
	"$(ps -o user= -p "$(pgrep -P "$SW_PID" | head -n 1)" | tr -d ' ')"
cp "$T/sw.ini.good" "$T/sw.ini"
sw_reload

# --- SIGTERM with a request in flight -----------------------------------------
curl -s "$URL/slow.cgi?2" -o "$T/inflight" -w '%{http_code}' >"$T/inflight.code" &
CURL=$!
sleep 0.7
kill -TERM "$SW_PID"
wait "$CURL"
expect_eq "in-flight request finished during SIGTERM" "200" "$(cat "$T/inflight.code")"
expect_eq "... with its whole answer" "slept 2" "$(cat "$T/inflight")"
i=0
while kill -0 "$SW_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "master exited after SIGTERM" sh -c "! kill -0 $SW_PID 2>/dev/null"
wait "$SW_PID"; rc=$?
expect_eq "master exit status 0" 0 "$rc"
check "no worker left behind" sh -c "! pgrep -f '[s]essionwrap -f $T/sw.ini' >/dev/null"
check "socket file removed" test ! -e "$T/sw.sock"

# --- workers never outlive a master killed with -9 ---------------------------
start_sw "$T/sw.ini" "$T/sw2.sock" || notok "second sessionwrap started"
wait_for sh -c "[ \$(pgrep -P $SW_PID | wc -l) -eq 3 ]"
orphans=$(worker_pids "$SW_PID")
kill -KILL "$SW_PID"
alive() {   # processes of the list still running (zombies do not count)
	n=0
	for p in $orphans; do
		st=$(ps -o stat= -p "$p" 2>/dev/null)
		case "$st" in ""|Z*) ;; *) n=$((n + 1)) ;; esac
	done
	echo "$n"
}
i=0
while [ "$(alive)" -gt 0 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
left=$(alive)
expect_eq "workers exit when their master is killed -9" 0 "$left"

# --- a master killed -9 with a request in flight: a new one starts at once -------
# The busy worker finishes its request, but lets go of the socket at once:
# a new master on the same path must not find it still accepting.
start_sw "$T/sw.ini" "$T/sw4.sock" || notok "third sessionwrap started"
start_lighttpd web4 socket "$T/sw4.sock" </dev/null || notok "lighttpd for it started"
curl -s "$URL/slow.cgi?3" -o "$T/orphaned" -w '%{http_code}' >"$T/orphaned.code" &
CURL3=$!
sleep 0.7
kill -KILL "$SW_PID"
sleep 0.3
start_sw "$T/sw.ini" "$T/sw4.sock"
sleep 0.5
# (kill -0 would take an exited, not yet reaped, process for a live one.)
st=$(ps -o stat= -p "$SW_PID" 2>/dev/null)
check "a new master starts on the socket while the old worker's request runs" \
	sh -c "case '$st' in ''|Z*) exit 1 ;; esac"
expect_nomatch "... not refused as 'another process is listening there'" \
	"sw4.sock: another process is listening there" "$(cat "$T/sessionwrap.log")"
wait "$CURL3"
expect_eq "the orphaned worker's request still finished" "200 slept 3" \
	"$(cat "$T/orphaned.code") $(cat "$T/orphaned")"
sleep 0.3
expect_eq "the new master serves, the old worker gone" 201 "$(status_of "$URL/status.cgi")"

# --- the command line's -c survives a reload -----------------------------------
"$SW" -c 1 -f "$T/sw.ini" -s "unix:$T/sw3.sock" >>"$T/sessionwrap.log" 2>&1 &
C1=$!; PIDS="$PIDS $C1"
wait_for test -S "$T/sw3.sock"
wait_for sh -c "[ \$(pgrep -P $C1 | wc -l) -eq 1 ]"
(SW_PID=$C1; sw_reload)
expect_eq "-c 1 still means one worker after SIGHUP" 1 "$(pgrep -P "$C1" | wc -l | tr -d ' ')"
kill -TERM "$C1"
