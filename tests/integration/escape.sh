#!/bin/sh
# Processes that leave the program's process group (setsid, a double
# fork) are killed when the request ends, by a timeout or by the program
# ending: through lighttpd to sessionwrap's socket, and with sessionwrap
# run by mod_cgi.
. "$SW_SRCDIR/tests/lib.sh"

mkdir -p "$T/cgi" "$T/run"
# The sleepers run as ./$M: a name no other process has, to look for.
M="sw-escape-$$"
cp "$(command -v sleep)" "$T/cgi/$M"
# Two sleepers in sessions of their own: one the child of a process that
# stays alive, one orphaned at once (double fork).  Once both run, the
# program sleeps QUERY_STRING seconds, then answers.
cat >"$T/cgi/escape.cgi" <<EOF2
#!/bin/sh
setsid sh -c './$M 1000 & wait' </dev/null >/dev/null 2>&1 &
( setsid ./$M 1001 </dev/null >/dev/null 2>&1 & )
i=0
until [ "\$(pgrep -cf '^\./$M 100')" -ge 2 ] || [ \$i -gt 100 ]; do
	sleep 0.05; i=\$((i + 1))
done
n=\$(pgrep -cf '^\./$M 100')
sleep "\${QUERY_STRING:-0}"
printf 'Content-Type: text/plain\n\nstarted %s\n' "\$n"
EOF2
chmod 755 "$T/cgi/escape.cgi" "$T/cgi/$M"
TIMEOUT=2s write_config "$T/sw.ini" </dev/null

# left MESSAGE: none of the sleepers (nor their parent) is left, within
# 3 s; whatever is left is killed here, by pid.
left() {
	i=0
	while pgrep -f "$M" >/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
	pids=$(pgrep -f "$M" | tr '\n' ' ')
	expect_eq "$1" "" "$pids"
	[ -n "$pids" ] && kill -KILL $pids
}

start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"

b=$(curl -s -m 20 -w ' %{http_code}' "$URL/escape.cgi?30")
expect_eq "a program that outlives the timeout: 504" "504" "${b##* }"
left "... and what it left in sessions of their own is killed too"

b=$(curl -s -m 20 -w ' %{http_code}' "$URL/escape.cgi")
expect_eq "a program that ends at once, leaving two sleepers running: its answer" \
	"started 2 200" "$(printf '%s' "$b" | tr '\n' ' ' | tr -s ' ')"
left "... and the sleepers are killed after the request"
check "no zombie left with the worker" \
	sh -c "! ps -eo ppid=,stat= | awk '\$2 ~ /^Z/ {print \$1}' | grep -qxE '$(worker_pids "$SW_PID" | sed 's/ *$//; s/ /|/g')'"
expect_eq "the worker goes on serving" "started 2 200" \
	"$(curl -s -m 20 -w ' %{http_code}' "$URL/escape.cgi" | tr '\n' ' ' | tr -s ' ')"
left "... and kills them again"

# sessionwrap run by mod_cgi: the same, in a process that serves one request.
start_lighttpd cgi cgi "$T/sw.ini" </dev/null || notok "lighttpd (mod_cgi) started"
expect_eq "mod_cgi: a program that outlives the timeout: 504" 504 "$(status_of "$URL/escape.cgi?30" -m 20)"
left "mod_cgi: what it left is killed too"
expect_eq "mod_cgi: a program that ends at once: its answer" "started 2" \
	"$(curl -s -m 20 "$URL/escape.cgi" | tr -d '\n')"
left "mod_cgi: ... and the sleepers are killed after the request"
log=$(cat "$T/sessionwrap.log")
expect_match "the log names the program that timed out" "escape.cgi: timed out after 2s" "$log"
