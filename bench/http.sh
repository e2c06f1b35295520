#!/usr/bin/env bash
# HTTP load: gunicorn with 2 workers on PostgreSQL + Redis, wrk from a second process.
# Prints one line per endpoint: rps and p50/p95/p99 latency.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${BENCH_PORT:-8931}"
DURATION="${BENCH_DURATION:-10s}"
export DEBUG=false
export SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
export FIELD_ENCRYPTION_KEY="${FIELD_ENCRYPTION_KEY:-$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')}"
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crewbase_bench}"
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}"
export SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1 LOG_LEVEL=WARNING

psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='crewbase_bench'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE crewbase_bench"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py shell -c "
from django.contrib.auth import get_user_model
from project.models import Job
u, _ = get_user_model().objects.get_or_create(username='bench', defaults={'is_staff': True, 'is_superuser': True})
if Job.objects.count() < 500:
    Job.objects.bulk_create([Job(kind='bench.sample', created_by=u, progress=i % 101) for i in range(500)])
"
TOKEN=$(.venv/bin/python manage.py create_api_token bench --name bench 2>/dev/null)

.venv/bin/gunicorn project.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --log-level warning &
GPID=$!
trap 'kill $GPID 2>/dev/null; wait $GPID 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:${PORT}/health/live/" >/dev/null && break; sleep 0.2; done

run() {  # name, path, extra wrk args...
  local name=$1 path=$2; shift 2
  printf '%s ' "$name"
  wrk -t2 -c8 -d"$DURATION" --latency -s bench/report.lua "$@" "http://127.0.0.1:${PORT}${path}" | tail -n1
}
run "platform.health_live" /health/live/
run "platform.api_jobs_list" "/api/v1/jobs/?page_size=50" -H "Authorization: Bearer ${TOKEN}"
