#!/usr/bin/env bash
# Three blog servers behind nginx on PostgreSQL and Redis, all on loopback, and the
# checks of issue 18: shared sessions, CSRF and login throttling across servers;
# migrate run by all three at once; a rolling restart under steady load with zero
# failed requests; a PostgreSQL outage (this run's connections terminated) answered
# with 503 + Retry-After and recovered from without a restart; slow-client attacks
# while normal traffic is answered; optionally a soak.
#
# Usage: bench/scaleout/run.sh [-soak 10m] [-rate 40] [-keep]
#
# Needs: Go, PostgreSQL on 127.0.0.1:5432 (user root, trust), Redis on
# 127.0.0.1:6379, Debian's nginx-light, wrk, psql, curl. It creates the database
# galvani_scaleout, keys under galvani_scaleout_<pid>: in Redis (deleted at the end)
# and a temporary directory for binaries, nginx's config and every log. Ports
# 18080 (nginx) and 18081-18083 (servers) must be free. It never stops PostgreSQL or
# Redis (other people's tests share them): the outage is the termination of this
# run's own connections, chosen by application_name. Exits 1 when a check fails.
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
for t in nginx wrk psql curl redis-cli go; do
	command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "needs $t" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/galvani-scaleout.XXXXXX)
db=galvani_scaleout
appname=galvani_scaleout_$$
prefix="galvani_scaleout_$$:"
lb=http://127.0.0.1:18080
ports=(18081 18082 18083)
pids=(0 0 0)
nginx_pid=0
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
	redis-cli --scan --pattern "${prefix}*" | xargs -r redis-cli del >/dev/null
	if [ $keep = 0 ]; then rm -rf "$work"; else say "logs kept in $work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

psql_() { psql -h 127.0.0.1 -U root -d "${2:-postgres}" -Atqc "$1"; }

say "== build (logs and config in $work)"
(cd "$root" && go build -o "$work/blog" ./examples/blog && go build -o "$work/probe" ./bench/scaleout/probe) || exit 1
psql_ "DROP DATABASE IF EXISTS $db WITH (FORCE)" && psql_ "CREATE DATABASE $db" || exit 1

export DATABASE_URL="postgres://root@127.0.0.1:5432/$db?sslmode=disable&application_name=$appname&max_conns=8&conn_max_lifetime=30m&statement_timeout=5s"
export REDIS_URL=redis://127.0.0.1:6379/0 REDIS_PREFIX=$prefix
export SECRET_KEY=$(head -c 48 /dev/urandom | base64) DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost
export DRAIN_DELAY=2s SHUTDOWN_TIMEOUT=10s READ_TIMEOUT=15s METRICS_ENABLED=true
export GALVANI_SUPERUSER_USERNAME=operator GALVANI_SUPERUSER_EMAIL=operator@example.com GALVANI_SUPERUSER_PASSWORD=correct-horse-battery-staple

say "== migrate run by three servers at once"
for i in 0 1 2; do "$work/blog" migrate >"$work/migrate.$i.log" 2>&1 & done
wait
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
soakers=""
if [ -n "$soak" ]; then
	for i in 1 2 3 4 5; do
		GALVANI_SUPERUSER_USERNAME=soak$i GALVANI_SUPERUSER_EMAIL=soak$i@example.com "$work/blog" createsuperuser --no-input >>"$work/setup.log" 2>&1 || exit 1
		soakers=$soakers,soak$i
	done
fi

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

say "== PostgreSQL outage under load: this run's connections terminated (3 times, 2s apart)"
conns_before=$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$appname'")
gor_before=$(for p in "${ports[@]}"; do curl -s "http://127.0.0.1:$p/metrics" | awk '/^go_goroutines /{print $2}'; done | paste -sd/)
"$work/probe" load -url "$lb/" -d 12s -c 8 -want 200,503 -label "during the outage" >"$work/outage.txt" &
load_pid=$!
sleep 3
killed=0
for _ in 1 2 3; do
	n=$(psql_ "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$appname' AND pid <> pg_backend_pid()) t")
	killed=$((killed + n))
	sleep 2
done
wait $load_pid || failed=1
cat "$work/outage.txt" | grep -v RESULT
got503=$(grep -o '503:[0-9]*' "$work/outage.txt" | cut -d: -f2)
if [ -n "${got503:-}" ]; then ok "$killed connections terminated; $got503 requests answered 503 with Retry-After, none 500"; else say "  note $killed connections terminated, but no request hit one (the pool replaced them first)"; fi
"$work/probe" load -url "$lb/" -d 5s -c 8 -want 200 -label "right after (no restart)" | grep -v RESULT || failed=1
sleep 1
conns_after=$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$appname'")
gor_after=$(for p in "${ports[@]}"; do curl -s "http://127.0.0.1:$p/metrics" | awk '/^go_goroutines /{print $2}'; done | paste -sd/)
if [ "$conns_after" -le 24 ]; then
	ok "server connections: $conns_before before, $conns_after after (limit 3×8); goroutines per server $gor_before before, $gor_after after"
else
	fail "connections leaked: $conns_before before, $conns_after after"
fi
say "  note PostgreSQL itself was not stopped: it is shared with other people's tests on this machine"

say "== slow clients against server 1 directly (200 slow-header + 200 slow-body connections, 25s; READ_HEADER_TIMEOUT 10s, READ_TIMEOUT 15s)"
"$work/probe" slow -target 127.0.0.1:${ports[0]} -url "http://127.0.0.1:${ports[0]}/" -n 200 -d 25s || failed=1

if [ -n "$soak" ]; then
	# the throttle check above left the account locked for 15 minutes
	redis-cli --scan --pattern "${prefix}login:*" | xargs -r redis-cli del >/dev/null
	say "== soak: $soak at $rate requests/s (50% list, 20% article, 15% static, 10% comments, 5% logins)"
	"$work/probe" soak -base "$lb" -d "$soak" -rate "$rate" -user "${soakers#,}" -password "$GALVANI_SUPERUSER_PASSWORD" \
		-slug "$slug" -static "$static" -pids "$(IFS=,; echo "${pids[*]}")" \
		-metrics "$(printf 'http://127.0.0.1:%s/metrics,' "${ports[@]}")" || failed=1
fi

if [ $failed = 0 ]; then say "== all checks passed"; else say "== SOME CHECKS FAILED (logs: $work, kept)"; keep=1; fi
exit $failed
