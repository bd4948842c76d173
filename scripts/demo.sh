#!/usr/bin/env bash
# The main job, on a fresh clone: install, build, migrate, generate a synthetic nation, load it, activate the
# standard cohorts, identify, create demo users, assign cases, then serve the api and the worker and print
# where to go and how to sign in. Ctrl-C stops both.
#   DEMO_PEOPLE (default 100000), DEMO_SEED (default 2026), DATABASE_URL, REDIS_URL, PORT as usual.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`Tiltas needs Node 20.19 or newer; this is ${process.version}.`); process.exit(1) }'

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tiltas}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PORT="${PORT:-3000}"
people="${DEMO_PEOPLE:-100000}"
seed="${DEMO_SEED:-2026}"
as_of="${DEMO_AS_OF:-$(date -u +%F)}"
nation="var/demo/nation-${seed}-${people}-${as_of}"

admin_url="$(node -e 'const u=new URL(process.argv[1]); u.pathname="/postgres"; console.log(u.toString())' "$DATABASE_URL")"
node scripts/check-services.js "$admin_url" "$REDIS_URL"

if why="$(node scripts/needs-install.js)"; then
  say "Installing dependencies (npm ci: ${why})"
  npm ci --no-audit --no-fund --loglevel=error
  node scripts/needs-install.js --record
else
  say "Dependencies are current (package-lock.json unchanged): skipping npm ci"
fi

say "Building"
npm run -s build

db_name="$(node -e 'console.log(new URL(process.argv[1]).pathname.slice(1))' "$DATABASE_URL")"
if ! psql "$admin_url" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" 2>/dev/null | grep -q 1; then
  node -e '
    const { Client } = require("pg");
    const c = new Client({ connectionString: process.argv[1] });
    c.connect().then(() => c.query(`CREATE DATABASE "${process.argv[2]}"`)).then(() => c.end()).catch((e) => { if (!/already exists/.test(e.message)) { console.error(e.message); process.exit(1) } return c.end() });
  ' "$admin_url" "$db_name"
fi

cli() { node scripts/cli.js "$@"; }

say "Migrating ${db_name}"
cli db migrate

if [ ! -f "$nation/population.manifest.json" ]; then
  say "Generating a synthetic nation of ${people} people (seed ${seed}, as of ${as_of})"
  cli synth --people "$people" --as-of "$as_of" --seed "$seed" --out "$nation"
fi

say "Registering the demo lawful basis"
cli lawful-basis add --file "$nation/lawful-basis.json"
basis="$(node -e 'console.log(require(process.argv[1]).id)' "$root/$nation/lawful-basis.json")"

say "Loading the registers"
cli extracts load "$nation" || true

say "Activating the five standard cohorts under ${basis}"
for c in neet-youth recent-release pre-release care-leaver disability-unserved; do
  cli criteria activate "$c" --lawful-basis "$basis" || true
done

say "Identifying at ${as_of}"
cli identify --as-of "$as_of"

say "Demo users"
signins="$(cli users demo)"

say "Assigning cases to the demo workers"
for m in LT-57 LT-15; do cli cases assign-auto --municipality "$m" || true; done

mkdir -p var/log
node dist/apps/worker/apps/worker/src/main.js > var/log/worker.log 2>&1 &
worker_pid=$!
node dist/apps/api/apps/api/src/main.js > var/log/api.log 2>&1 &
api_pid=$!
# One stop, whatever ends the demo (Ctrl-C, a TERM to npm or to this script, npm's process going away):
# the traps are cleared first, so the api and the worker get one TERM each, then time to shut down.
stopped=0
stop() {
  [ "$stopped" = 1 ] && return
  stopped=1
  trap - INT TERM EXIT HUP
  kill -TERM "$api_pid" "$worker_pid" 2>/dev/null || true
  wait "$api_pid" "$worker_pid" 2>/dev/null || true
  echo
  echo "Tiltas stopped."
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM HUP
trap stop EXIT

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:${PORT}/health/ready" >/dev/null 2>&1 && break
  kill -0 $api_pid 2>/dev/null || { echo "The api did not start:"; tail -20 var/log/api.log; exit 1; }
  sleep 0.5
done

cat <<MSG

Tiltas is running (demo data: ${people} synthetic people, as of ${as_of}).

  Open            http://127.0.0.1:${PORT}/
  API docs        http://127.0.0.1:${PORT}/api/docs
  Status          http://127.0.0.1:${PORT}/status (signed in)
  Logs            var/log/api.log, var/log/worker.log

Sign in with (demo accounts, generated passwords, for this machine only):
${signins}

Ctrl-C stops the api and the worker.
MSG
# npm's process is our parent: when it is gone (killed on its own), the demo stops too. `sleep & wait`
# keeps the traps prompt.
parent=$PPID
while kill -0 "$api_pid" 2>/dev/null && kill -0 "$worker_pid" 2>/dev/null; do
  kill -0 "$parent" 2>/dev/null || break
  sleep 1 & wait $! || true
done
kill -0 "$api_pid" 2>/dev/null || echo "The api stopped: see var/log/api.log"
kill -0 "$worker_pid" 2>/dev/null || echo "The worker stopped: see var/log/worker.log"
