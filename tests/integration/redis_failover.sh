#!/bin/sh
# A Redis failover under a write load: one master, one replica, three
# sentinels (loopback ports), sessionwrap with sentinels, master_name and
# wait_replicas = 1.  The master is killed -9; the sentinels promote the
# replica, sessionwrap follows within seconds, and every change that was
# answered 200 is on the new master.  (Built without hiredis: see
# redis_sessions.sh.)
. "$SW_SRCDIR/tests/lib.sh"

make_cgi_dir
redis_build_or_exit
# rserver NAME PORT [args]: a redis-server on 127.0.0.1:PORT, no disk
rserver() {
	n=$1 p=$2; shift 2
	redis-server --bind 127.0.0.1 --port "$p" --dir "$T" --dbfilename "$n.rdb" \
		--save '' --appendonly no --logfile "$T/redis-$n.log" "$@" &
	eval "PID_$n=\$!"
	PIDS="$PIDS $!"
	wait_for sh -c "[ \"\$(redis-cli -p $p ping 2>/dev/null)\" = PONG ]"
}
P1=$(free_port); P2=$(free_port)
rserver m1 "$P1" || notok "master started"
rserver m2 "$P2" --replicaof 127.0.0.1 "$P1" || notok "replica started"
wait_for sh -c "redis-cli -p $P2 info replication | grep -q master_link_status:up" ||
	notok "replica in sync"
SENTINELS=""
for i in 1 2 3; do
	sp=$(free_port)
	printf 'port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor m 127.0.0.1 %s 2\nsentinel down-after-milliseconds m 1000\nsentinel failover-timeout m 4000\n' \
		"$sp" "$T" "$P1" >"$T/sentinel$i.conf"
	redis-sentinel "$T/sentinel$i.conf" --logfile "$T/sentinel$i.log" &
	PIDS="$PIDS $!"
	wait_for sh -c "[ \"\$(redis-cli -p $sp ping 2>/dev/null)\" = PONG ]" || notok "sentinel $i started"
	SENTINELS="$SENTINELS 127.0.0.1:$sp"
	SP1=${SP1:-$sp}
done
write_config "$T/sw.ini" <<EOF2
[session]
secret_file = $T/secret
store = redis
[redis]
sentinels = $SENTINELS
master_name = m
wait_replicas = 1
timeout = 1s
connect_timeout = 1s
EOF2
out=$("$SW" -t -f "$T/sw.ini" 2>&1)
expect_match "-t: sentinels + master_name + wait_replicas pass" 'configuration ok' "$out"
WORKERS=4
start_sw "$T/sw.ini" "$T/sw.sock" || notok "sessionwrap started"
start_lighttpd web socket "$T/sw.sock" </dev/null || notok "lighttpd started"
J="$T/jar"
expect_eq "a write through the sentinels' master: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -c "$J" "$URL/setkey.cgi?init=1")"

# The load: 4 clients, each its own session, a write every 50 ms, until
# $T/stop.
c=1
CLIENTS=""
while [ $c -le 4 ]; do
	(
		j="$T/jar.$c"
		i=1
		while [ ! -e "$T/stop" ]; do
			code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -b "$j" -c "$j" "$URL/setkey.cgi?k$i=$i")
			echo "$code" >>"$T/codes.$c"
			[ "$code" = 200 ] && echo "k$i=$i" >>"$T/committed.$c"
			sleep 0.05
			i=$((i + 1))
		done
	) &
	CLIENTS="$CLIENTS $!"
	c=$((c + 1))
done
sleep 1.5
kill -KILL "$PID_m1"
t0=$(date +%s)
# The sentinels promote the replica; then the old master comes back (it
# becomes a replica of the new one, so that WAIT 1 can be met again).
i=0
while [ $i -lt 150 ]; do
	now_master=$(redis-cli -p "$SP1" SENTINEL get-master-addr-by-name m 2>/dev/null | tail -n 1)
	[ "$now_master" = "$P2" ] && break
	sleep 0.1; i=$((i + 1))
done
expect_eq "the sentinels promoted the replica" "$P2" "$now_master"
echo "# failover after $(( $(date +%s) - t0 ))s"
rserver m1 "$P1" || notok "old master restarted"
# (The sentinels turn it into a replica some seconds after it is back.)
i=0
until redis-cli -p "$P1" info replication 2>/dev/null | grep -q master_link_status:up; do
	i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
check "the old master is a replica of the new one" \
	sh -c "redis-cli -p $P1 info replication | grep -q master_link_status:up"
sleep 3
touch "$T/stop"
for p in $CLIENTS; do wait "$p"; done
lost=0
total=0
late=0
c=1
while [ $c -le 4 ]; do
	got=$(curl -s -b "$T/jar.$c" "$URL/sess.cgi")
	for kv in $(cat "$T/committed.$c" 2>/dev/null); do
		total=$((total + 1))
		printf '%s\n' "$got" | grep -qx "SESSION_$kv" || { lost=$((lost + 1)); echo "# client $c lost $kv"; }
	done
	# 200s again at the end of the load: sessionwrap followed.
	[ "$(tail -n 1 "$T/codes.$c")" = 200 ] && late=$((late + 1))
	c=$((c + 1))
done
echo "# $total changes got a 200; $(cat "$T"/codes.* | grep -vc 200) did not"
check "some requests were refused (503) during the failover" sh -c "cat '$T'/codes.* | grep -q 503"
expect_eq "sessionwrap followed the failover: every client's last request got 200" 4 "$late"
expect_eq "every change answered 200 is on the new master" 0 "$lost"
expect_match "the log names the sentinels' master" "redis master 'm'" "$(cat "$T/sessionwrap.log")"
