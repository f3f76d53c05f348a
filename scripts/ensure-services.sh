#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1, starting them with the commands in
# DEVELOPERS.md when they are installed but stopped. Prints what it did; fails if one stays down.
set -u

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
    for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
  fi
fi

status=0
if pg_up; then echo "PostgreSQL: up"; else echo "PostgreSQL: DOWN"; status=1; fi
if redis_up; then echo "Redis: up"; else echo "Redis: DOWN"; status=1; fi
# Outside CI a missing service only skips its tests; in CI they must run.
if [ "$status" -ne 0 ] && [ "${CI:-}" = "true" ]; then exit 1; fi
exit 0
