#!/usr/bin/env bash
# Three blog servers behind nginx on their own PostgreSQL and Redis, all on loopback,
# and the checks of issue 18: shared sessions, CSRF and login throttling across
# servers; migrate run by all three at once; a rolling restart under steady load with
# zero failed requests; a PostgreSQL outage under load (connections terminated, then
# the server stopped for several seconds and started again) answered with 503 +
# Retry-After and recovered from without restarting the servers, with no connection
# or goroutine leak; a Redis outage under load (redis-server stopped and started,
# its data gone): signed-in requests answer 503, logins 503, anonymous pages keep
# working with the cached counts computed again; slow-client attacks while normal
# traffic is answered; optionally a soak.
#
# Usage: bench/scaleout/run.sh [-soak 10m] [-rate 40] [-keep]
#
# Needs: Go, PostgreSQL 15's server binaries (/usr/lib/postgresql/15/bin, or PGBIN),
# redis-server, Debian's nginx-light, wrk, psql, redis-cli, curl, bc. It starts a
# PostgreSQL of its own (initdb into its temporary directory, run as the postgres OS
# user when started as root) on 127.0.0.1:15432 and a redis-server on 127.0.0.1:16379
# (no persistence: a cache-only Redis), and stops both at exit, failed or not. It
# never touches the machine's shared PostgreSQL (5432) or Redis (6379). Ports 18080
# (nginx), 18081-18083 (servers), 15432 and 16379 (PGPORT, REDISPORT) must be free.
# Binaries, the databases, nginx's config and every log live in a temporary
# directory, kept with -keep or when a check fails. Exits 1 when a check fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
soak="" rate=40 keep=0
while [ $# -gt 0 ]; do
	case $1 in
	-soak) soak=$2; shift 2 ;;
	-rate) rate=$2; shift 2 ;;
	-keep) keep=1; shift ;;
	*) echo "usage: $0 [-soak 10m] [-rate 40] [-keep]" >&2; exit 2 ;;
	esac
done
for t in nginx wrk psql curl redis-cli redis-server go bc; do
	command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "needs $t (Debian: apt-get install nginx-light wrk postgresql-15 redis-server bc)" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/pg_ctl" ] || { echo "needs PostgreSQL's server binaries in $PGBIN (set PGBIN)" >&2; exit 2; }
pgport=${PGPORT:-15432} redisport=${REDISPORT:-16379}
# PostgreSQL refuses to run as root: then its files belong to, and it runs as, postgres.
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)

work=$(mktemp -d /tmp/galvani-scaleout.XXXXXX)
chmod 711 "$work" # the postgres user reaches its data directory inside
db=galvani_scaleout
appname=galvani_scaleout_$$
prefix="galvani_scaleout:"
lb=http://127.0.0.1:18080
ports=(18081 18082 18083)
pids=(0 0 0)
nginx_pid=0 redis_pid=0 pg_started=0
failed=0

say() { printf '%s\n' "$*"; }
ok() { say "  ok   $*"; }
fail() { say "  FAIL $*"; failed=1; }

cleanup() {
	for p in "${pids[@]}" $nginx_pid; do
		[ "$p" != 0 ] && kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}" $nginx_pid; do
		[ "$p" != 0 ] && wait "$p" 2>/dev/null
	done
	stop_redis
	[ $pg_started = 1 ] && pg_ctl_ stop -m immediate >/dev/null 2>&1
	if [ $keep = 0 ]; then rm -rf "$work"; else say "logs kept in $work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

psql_() { psql -h 127.0.0.1 -p $pgport -U root -d "${2:-postgres}" -Atqc "$1"; }
rcli() { redis-cli -p $redisport "$@"; }
pg_ctl_() { "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$work/pg/data" "$@"; }
start_pg() {
	pg_ctl_ -w -t 60 -l "$work/pg/postgres.log" -o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg -c max_connections=100" start >/dev/null &&
		pg_started=1
}
start_redis() {
	redis-server --port $redisport --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" \
		--logfile "$work/redis/redis.log" >/dev/null 2>&1 &
	redis_pid=$!
	for _ in $(seq 50); do rcli ping >/dev/null 2>&1 && return 0; sleep 0.1; done
	say "redis-server did not start (log $work/redis/redis.log)"
	return 1
}
stop_redis() {
	[ $redis_pid = 0 ] && return 0
	kill -TERM $redis_pid 2>/dev/null
	wait $redis_pid 2>/dev/null
	redis_pid=0
}
# metric NAME: the sum of a metric's samples on each server, "a/b/c".
metric() {
	for p in "${ports[@]}"; do
		curl -s "http://127.0.0.1:$p/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s += $2} END {print s + 0}'
	done | paste -sd/
}
now_ms() { date +%s%3N; }

for p in $pgport $redisport 18080 "${ports[@]}"; do
	if (: </dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is in use" >&2; exit 2; fi
done

say "== build; own PostgreSQL on :$pgport and Redis on :$redisport (logs and config in $work)"
(cd "$root" && go build -o "$work/blog" ./examples/blog && go build -o "$work/probe" ./bench/scaleout/probe) || exit 1
mkdir -p "$work/pg" "$work/redis"
cd "$work/pg" || exit 1 # a directory the postgres user may be in
[ ${#as_pg[@]} -gt 0 ] && chown postgres: "$work/pg"
"${as_pg[@]}" "$PGBIN/initdb" -D "$work/pg/data" -U root --auth=trust -E UTF8 --locale=C.UTF-8 >"$work/pg/initdb.log" 2>&1 ||
	{ fail "initdb: $(tail -3 "$work/pg/initdb.log")"; exit 1; }
start_pg || { fail "PostgreSQL did not start (log $work/pg/postgres.log)"; exit 1; }
start_redis || exit 1
say "  $("$PGBIN/postgres" --version), $(redis-server --version | cut -d' ' -f1-3)"
psql_ "CREATE DATABASE $db" || exit 1

export DATABASE_URL="postgres://root@127.0.0.1:$pgport/$db?sslmode=disable&application_name=$appname&max_conns=8&conn_max_lifetime=30m&statement_timeout=5s"
export REDIS_URL=redis://127.0.0.1:$redisport/0 REDIS_PREFIX=$prefix CACHE_URL=redis://127.0.0.1:$redisport/1
export SECRET_KEY=$(head -c 48 /dev/urandom | base64) DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost
export DRAIN_DELAY=2s SHUTDOWN_TIMEOUT=10s READ_TIMEOUT=15s METRICS_ENABLED=true
export GALVANI_SUPERUSER_USERNAME=operator GALVANI_SUPERUSER_EMAIL=operator@example.com GALVANI_SUPERUSER_PASSWORD=correct-horse-battery-staple

say "== migrate run by three servers at once"
mpids=()
for i in 0 1 2; do
	"$work/blog" migrate >"$work/migrate.$i.log" 2>&1 &
	mpids+=($!)
done
wait "${mpids[@]}"
applied=$(cat "$work"/migrate.*.log | grep -ci 'applying')
rows=$(psql_ "SELECT count(*) FROM galvani_migrations" $db)
distinct=$(psql_ "SELECT count(DISTINCT (app, name)) FROM galvani_migrations" $db)
if [ "$rows" = "$distinct" ] && [ "$applied" = "$rows" ] && [ "$rows" -gt 0 ]; then
	ok "$rows migrations recorded once each; the three processes applied $applied between them (per process: $(for i in 0 1 2; do grep -ci applying "$work/migrate.$i.log"; done | paste -sd/))"
else
	fail "migrations: $rows rows, $distinct distinct, $applied applied (logs $work/migrate.*.log)"
fi
"$work/blog" createsuperuser --no-input >"$work/setup.log" 2>&1 || { fail "createsuperuser: $(cat "$work/setup.log")"; exit 1; }
"$work/blog" loaddata sample >>"$work/setup.log" 2>&1 || { fail "loaddata: $(cat "$work/setup.log")"; exit 1; }
# Accounts for the Redis outage's signed-in clients and the soak's logins (several:
# the account throttle counts attempts in flight too).
soakers=""
for i in 1 2 3 4 5; do
	GALVANI_SUPERUSER_USERNAME=soak$i GALVANI_SUPERUSER_EMAIL=soak$i@example.com "$work/blog" createsuperuser --no-input >>"$work/setup.log" 2>&1 || exit 1
	soakers=$soakers,soak$i
done

start_server() { # index
	ADDR=127.0.0.1:${ports[$1]} "$work/blog" >>"$work/server.$1.log" 2>&1 &
	pids[$1]=$!
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:${ports[$1]}/readyz" && return 0
		sleep 0.1
	done
	fail "server $(($1 + 1)) did not become ready (log $work/server.$1.log)"
	return 1
}
say "== three servers, nginx in front"
for i in 0 1 2; do start_server $i || exit 1; done
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	client_header_timeout 10s;
	client_body_timeout 10s;
	upstream blog {
		# passive health: a server that refuses a connection is skipped for 2s
		server 127.0.0.1:${ports[0]} max_fails=1 fail_timeout=2s;
		server 127.0.0.1:${ports[1]} max_fails=1 fail_timeout=2s;
		server 127.0.0.1:${ports[2]} max_fails=1 fail_timeout=2s;
		keepalive 32;
	}
	server {
		listen 127.0.0.1:18080;
		location / {
			proxy_pass http://blog;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			# the port too: the CSRF check compares Origin with the Host the site sees
			proxy_set_header Host \$http_host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			proxy_connect_timeout 1s;
			# a server that is gone (connection refused or closed) gets the request
			# again on the next one; a 503 from the site (an outage) goes to the client
			proxy_next_upstream error timeout;
			proxy_next_upstream_tries 3;
		}
	}
}
CONF
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "$lb/readyz" && break; sleep 0.1; done
curl -sf -o /dev/null "$lb/" || { fail "nginx does not answer (log $work/nginx/error.log)"; exit 1; }

say "== state shared by the servers (PostgreSQL, Redis)"
servers=$(printf 'http://127.0.0.1:%s,' "${ports[@]}")
"$work/probe" check -servers "${servers%,}" -user operator -password "$GALVANI_SUPERUSER_PASSWORD" || failed=1

page=$(curl -s "$lb/")
slug=$(printf '%s' "$page" | grep -o 'href="/[a-z0-9-]*/"' | grep -v -e '/new/' -e '/accounts/' -e '/admin/' | head -1 | sed 's/href="\/\(.*\)\/"/\1/')
static=$(printf '%s' "$page" | grep -o '/static/[^"]*\.css' | head -1)

say "== rolling restart of the three servers under steady load (wrk, 16 connections)"
wrk -t2 -c16 -d30s --timeout 10s --latency "$lb/" >"$work/wrk-rolling.txt" 2>&1 &
wrk_pid=$!
sleep 4
for i in 0 1 2; do
	t0=$(date +%s.%N)
	kill -TERM "${pids[$i]}"
	wait "${pids[$i]}"
	start_server $i || exit 1
	say "  server $((i + 1)) restarted (drained, stopped, ready again in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")s)"
	sleep 4
done
wait $wrk_pid
reqs=$(grep -o '[0-9]* requests in' "$work/wrk-rolling.txt" | cut -d' ' -f1)
non2xx=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/wrk-rolling.txt" | grep -o '[0-9]*$')
sockerr=$(grep -o 'Socket errors:.*' "$work/wrk-rolling.txt")
rps=$(grep -o 'Requests/sec: *[0-9.]*' "$work/wrk-rolling.txt" | grep -o '[0-9.]*$')
p99=$(grep -E '^ +99%' "$work/wrk-rolling.txt" | awk '{print $2}')
if [ -z "${non2xx:-}" ] && [ -z "$sockerr" ] && [ -n "$reqs" ]; then
	ok "$reqs requests in 30s ($rps/s, p99 $p99) across three restarts: zero failed"
else
	fail "rolling restart: $reqs requests, non-2xx/3xx ${non2xx:-0}, ${sockerr:-no socket errors} ($work/wrk-rolling.txt)"
fi

say "== PostgreSQL outage under load (8 clients through nginx): connections terminated, then PostgreSQL stopped (pg_ctl stop -m fast) for 6s and started again"
conns_before=$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$appname'")
pool_before=$(metric galvani_db_connections) gor_before=$(metric go_goroutines)
"$work/probe" load -url "$lb/" -d 25s -c 8 -want 200,503 -label "during the outage" >"$work/outage.txt" &
load_pid=$!
sleep 3
killed=$(psql_ "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$appname') t")
sleep 3
t0=$(now_ms)
pg_ctl_ -m fast stop >/dev/null || fail "pg_ctl stop"
t_down=$(now_ms)
sleep 6
t_start=$(now_ms)
start_pg || { fail "PostgreSQL did not start again (log $work/pg/postgres.log)"; exit 1; }
t_up=$(now_ms)
# the first 200 through nginx once PostgreSQL accepts connections again
while [ "$(curl -s -o /dev/null -w '%{http_code}' "$lb/")" != 200 ] && [ $(($(now_ms) - t_up)) -lt 30000 ]; do sleep 0.05; done
t_ok=$(now_ms)
wait $load_pid || failed=1
grep -v RESULT "$work/outage.txt"
got503=$(grep -o '503:[0-9]*' "$work/outage.txt" | cut -d: -f2)
last_bad=$(grep -o 'last_bad_ms=[0-9]*' "$work/outage.txt" | cut -d= -f2)
say "  note $killed connections terminated; stopping took $((t_down - t0)) ms, PostgreSQL down $(((t_up - t0) / 1000)) s (start took $((t_up - t_start)) ms)"
if [ -n "${got503:-}" ] && [ $((t_ok - t_up)) -lt 30000 ]; then
	ok "${got503} requests answered 503 with Retry-After, none 500 nor a connection error; first 200 $((t_ok - t_up)) ms after pg_ctl start returned; the load's last non-200 $((last_bad - t_start)) ms after pg_ctl start was run; no server restarted"
else
	fail "PostgreSQL outage: 503s ${got503:-none}; first 200 $((t_ok - t_up)) ms after the start"
fi
"$work/probe" load -url "$lb/" -d 5s -c 8 -want 200 -label "right after (no restart)" | grep -v RESULT || failed=1
sleep 2
conns_after=$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$appname'")
pool_after=$(metric galvani_db_connections) gor_after=$(metric go_goroutines)
leak=0
IFS=/ read -r -a gb <<<"$gor_before"
IFS=/ read -r -a ga <<<"$gor_after"
for i in 0 1 2; do [ "${ga[$i]}" -gt $((gb[i] + 20)) ] && leak=1; done
if [ "$conns_after" -le 24 ] && [ $leak = 0 ]; then
	ok "server connections (pg_stat_activity): $conns_before before, $conns_after after (limit 3×8); pool per server (galvani_db_connections) $pool_before before, $pool_after after; goroutines per server $gor_before before, $gor_after after"
else
	fail "leak: server connections $conns_before before, $conns_after after; pools $pool_before → $pool_after; goroutines $gor_before → $gor_after"
fi

say "== Redis outage under load: redis-server stopped for 6s and started again, empty (sessions, throttles and cache gone)"
hits_before=$(metric galvani_cache_hits_total) misses_before=$(metric galvani_cache_misses_total)
gor_before=$(metric go_goroutines)
"$work/probe" sessions -base "$lb" -d 25s -user "${soakers#,}" -password "$GALVANI_SUPERUSER_PASSWORD" -anon 4 >"$work/redis-outage.txt" &
load_pid=$!
sleep 5
t0=$(now_ms)
stop_redis
sleep 6
start_redis || { fail "redis-server did not start again"; exit 1; }
t_up=$(now_ms)
wait $load_pid || failed=1
grep -v RESULT "$work/redis-outage.txt"
last503=$(grep -o 'last503_ms=[0-9]*' "$work/redis-outage.txt" | cut -d= -f2 | sort -n | tail -1)
say "  note Redis down $(((t_up - t0) / 1000)) s; the last 503 came $((last503 - t_up)) ms after redis-server answered a PING again"
sleep 2
hits_after=$(metric galvani_cache_hits_total) misses_after=$(metric galvani_cache_misses_total)
gor_after=$(metric go_goroutines)
say "  note cache hits per server $hits_before → $hits_after, misses $misses_before → $misses_after (lookups that failed count as neither); goroutines per server $gor_before → $gor_after"

say "== slow clients against server 1 directly (200 slow-header + 200 slow-body connections, 25s; READ_HEADER_TIMEOUT 10s, READ_TIMEOUT 15s)"
"$work/probe" slow -target 127.0.0.1:${ports[0]} -url "http://127.0.0.1:${ports[0]}/" -n 200 -d 25s || failed=1

if [ -n "$soak" ]; then
	# the throttle check above left an account locked for 15 minutes (the Redis
	# outage emptied Redis since, but a run may skip it one day)
	rcli --scan --pattern "${prefix}login:*" | xargs -r redis-cli -p $redisport del >/dev/null
	say "== soak: $soak at $rate requests/s (50% list, 20% article, 15% static, 10% comments, 5% logins)"
	"$work/probe" soak -base "$lb" -d "$soak" -rate "$rate" -user "${soakers#,}" -password "$GALVANI_SUPERUSER_PASSWORD" \
		-slug "$slug" -static "$static" -pids "$(IFS=,; echo "${pids[*]}")" \
		-metrics "$(printf 'http://127.0.0.1:%s/metrics,' "${ports[@]}")" || failed=1
fi

if [ $failed = 0 ]; then say "== all checks passed"; else say "== SOME CHECKS FAILED (logs: $work, kept)"; keep=1; fi
exit $failed
