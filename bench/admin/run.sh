#!/usr/bin/env bash
# Galvani's admin changelist against Django 3.2's admin, on the same PostgreSQL tables,
# in one interleaved run of ../shared/bench/ab.sh: 100 rows a page, two relation
# columns (author, publisher) and a filter (status__exact=live).
#
# Usage: bench/admin/run.sh [ab.sh options, e.g. -r 5 -d 5 -c 16]
# Needs PostgreSQL on 127.0.0.1:5432 (user root, trust), Debian's python3-django,
# python3-psycopg2 and gunicorn, and wrk.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ab=${AB:-$root/../shared/bench/ab.sh}
db=bench_admin
/usr/bin/python3 - "$db" <<'PY'
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", user="root", dbname="postgres"); c.autocommit = True
cur = c.cursor(); cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (sys.argv[1],))
if not cur.fetchone(): cur.execute('CREATE DATABASE "%s"' % sys.argv[1])
PY
export DATABASE_URL="postgres://root@127.0.0.1:5432/$db?sslmode=disable"
bin=$(mktemp -d)/admin-bench
(cd "$root" && go build -o "$bin" ./bench/admin)
"$bin" -seed
exec "$ab" -e "admin/shop/book/?status__exact=live" "$@" \
  galvani="exec $bin" \
  django="cd $here && PGDATABASE=$db exec gunicorn -w 2 -b 127.0.0.1:\$PORT django_admin:application"
