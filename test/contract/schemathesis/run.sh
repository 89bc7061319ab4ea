#!/usr/bin/env bash
# Contract conformance: Schemathesis against the real server over PostgreSQL.
#
#   make contract                      (or: bash test/contract/schemathesis/run.sh)
#   make contract ST_MAX_EXAMPLES=500  (what CI runs)
#
# 1. creates the Python venv at .venv/ when it is missing or broken, and installs
#    requirements.txt (beside this file) when that file or the interpreter changed;
# 2. compiles the server into $ST_BUILD_DIR (git-ignored; never dist/, which `make build` owns);
# 3. starts it on a free 127.0.0.1 port over $TEST_DATABASE_URL, in a fresh schema st_<random>;
# 4. waits for /ready, then runs `schemathesis run` on openapi/openapi.yaml against that server
#    (--url): every check, every phase (examples, coverage, fuzzing, stateful), a fixed seed,
#    one worker, JUnit and NDJSON reports in $ST_REPORT_DIR;
# 5. stops the server, drops the schema, and exits with Schemathesis' exit code
#    (124 when the run outlived $ST_TIMEOUT, 2 when this script could not set the run up).
#
# The contract is read from the repository file rather than from /openapi.json because
# Schemathesis leaves out the operation that served the schema it loaded, and
# GET /openapi.json is an operation of this contract too. The script warns when the server
# publishes something else than the file.
#
# Environment (all optional):
#   ST_MAX_EXAMPLES     test cases per operation and phase                default 100 (CI: 500)
#   ST_SEED             Hypothesis seed                                   default 20261130
#   ST_TIMEOUT          wall-clock bound of the Schemathesis run, seconds default 1200
#   ST_READY_TIMEOUT    bound on the server start, seconds                default 60
#   ST_REQUEST_TIMEOUT  bound on one request, seconds                     default 10
#   TEST_DATABASE_URL   PostgreSQL on loopback              default postgres://postgres@127.0.0.1:5432/test
#   ST_BUILD_DIR        where the server is compiled                      default .st-build
#   ST_NO_BUILD=1       reuse the server already compiled in ST_BUILD_DIR
#   ST_CONTRACT         the contract Schemathesis reads                   default openapi/openapi.yaml
#   ST_REPORT_DIR       reports and the server log                        default .reports/schemathesis
#   ST_REPORTS          report formats (junit, ndjson, har, vcr, html...) default junit,ndjson
#   ST_EXTRA_ARGS       more `schemathesis run` options, split on spaces, e.g. "--max-failures 1"
#   PYTHON              interpreter that creates the venv                 default python3
#
# Traffic stays on this machine: the server binds 127.0.0.1, Schemathesis is given
# http://127.0.0.1:<port> as the only base URL, and a non-loopback TEST_DATABASE_URL is refused.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
cd "$ROOT"

MAX_EXAMPLES="${ST_MAX_EXAMPLES:-100}"
SEED="${ST_SEED:-20261130}"
RUN_TIMEOUT="${ST_TIMEOUT:-1200}"
READY_TIMEOUT="${ST_READY_TIMEOUT:-60}"
REQUEST_TIMEOUT="${ST_REQUEST_TIMEOUT:-10}"
DB_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
BUILD_DIR="${ST_BUILD_DIR:-.st-build}"
CONTRACT="${ST_CONTRACT:-openapi/openapi.yaml}"
REPORT_DIR="${ST_REPORT_DIR:-.reports/schemathesis}"
REPORTS="${ST_REPORTS:-junit,ndjson}"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
REQUIREMENTS="$HERE/requirements.txt"

log() { printf 'contract: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 2
}

for n in MAX_EXAMPLES SEED RUN_TIMEOUT READY_TIMEOUT; do
  [[ "${!n}" =~ ^[0-9]+$ && "${!n}" -ge 1 ]] || die "$n must be a positive integer, got '${!n}'"
done
[[ "$REQUEST_TIMEOUT" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "ST_REQUEST_TIMEOUT must be a number of seconds"
case "${BUILD_DIR%/}" in "" | . | .. | / | dist | src | node_modules) die "refusing ST_BUILD_DIR=$BUILD_DIR" ;; esac
[[ -f "$CONTRACT" ]] || die "no contract at $CONTRACT"
[[ -d node_modules/typescript ]] || die "node_modules is missing: run 'make install' (npm ci) first"

# --- 1. Python venv ------------------------------------------------------------------------
stamp="$VENV/.schemathesis-requirements.sha256"
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  log "creating the Python venv at .venv/"
  "$PYTHON" -m venv --clear "$VENV"
fi
# Stale when requirements.txt or the venv's interpreter changed since the last install.
want="$({ cat "$REQUIREMENTS"; "$VENV/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/schemathesis" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  log "installing $(grep -m1 '^schemathesis==' "$REQUIREMENTS") into .venv/"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$want" >"$stamp"
fi

# --- 2. build ------------------------------------------------------------------------------
if [[ "${ST_NO_BUILD:-}" == 1 ]]; then
  [[ -f "$BUILD_DIR/src/main.js" ]] || die "ST_NO_BUILD=1 but $BUILD_DIR/src/main.js does not exist"
  log "reusing the server compiled in $BUILD_DIR/"
else
  log "compiling the server into $BUILD_DIR/"
  rm -rf "$BUILD_DIR"
  npx --no-install tsc -p tsconfig.build.json --outDir "$BUILD_DIR" || die "the server does not compile"
fi

# --- 3. database and server ----------------------------------------------------------------
db_host="$("$VENV/bin/python" -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or "")' "$DB_URL")"
case "$db_host" in
  "" | localhost | ::1 | 127.*) ;;
  *) die "TEST_DATABASE_URL must point at loopback (127.0.0.1, localhost, ::1), not '$db_host'" ;;
esac

SCHEMA="st_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$REPORT_DIR"
rm -f "$REPORT_DIR/junit.xml" "$REPORT_DIR/events.ndjson"
SERVER_LOG="$REPORT_DIR/server.log"
SERVER_PID=""
ST_PID=""
# Hypothesis keeps caches (constants, unicode data) in .hypothesis/ of the working directory;
# a directory of this run's own keeps the tree clean and the run independent of earlier ones.
HYPOTHESIS_DIR="$(mktemp -d)"

drop_schema() {
  # node-postgres from the project's own node_modules: no psql needed.
  DB_URL="$DB_URL" SCHEMA="$SCHEMA" timeout 30 node -e '
    const pg = require("pg");
    const c = new pg.Client({ connectionString: process.env.DB_URL, connectionTimeoutMillis: 5000 });
    const fail = (e) => { console.error(`contract: dropping schema ${process.env.SCHEMA} failed: ${e.message}`); process.exitCode = 1; };
    c.connect()
      .then(() => c.query(`DROP SCHEMA IF EXISTS ${process.env.SCHEMA} CASCADE`))
      .catch(fail)
      .finally(() => c.end().catch(() => undefined));
  ' || true
}

stop() { # PID: TERM, up to 15 s, then KILL
  kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -z "$ST_PID" ]] || stop "$ST_PID"
  [[ -z "$SERVER_PID" ]] || stop "$SERVER_PID"
  drop_schema
  rm -rf "$HYPOTHESIS_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Authentication on, as in production: a throwaway HS256 secret, and an admin token for
# Schemathesis (its generated user_ids are many users; the owner rules are tested in jest).
AUTH_SECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
TOKEN="$(AUTH_JWT_SECRET="$AUTH_SECRET" node "$BUILD_DIR/src/cli/token.js" --sub schemathesis --scope 'data:read data:write data:admin' --ttl 7200)"
log "starting the server on $BASE (schema $SCHEMA, log $SERVER_LOG)"
# With Redis (cache, rate limiting, events) as in production. Rate limiting stays on, with a
# budget Schemathesis's single client cannot exhaust, so the checks see the real answers.
HOST=127.0.0.1 PORT="$PORT" NODE_ENV=test LOG_LEVEL="${ST_SERVER_LOG_LEVEL:-warn}" \
  DATABASE_URL="$DB_URL" DATABASE_SCHEMA="$SCHEMA" MIGRATE_ON_START=true \
  REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}" REDIS_KEY_PREFIX="$SCHEMA:" \
  RATE_LIMIT_READ_PER_MINUTE=1000000 RATE_LIMIT_WRITE_PER_MINUTE=1000000 \
  CURSOR_SECRET="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" \
  AUTH_MODE=required AUTH_JWT_SECRET="$AUTH_SECRET" \
  node "$BUILD_DIR/src/main.js" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + READY_TIMEOUT))
until "$VENV/bin/python" - "$BASE/ready" <<'PY' 2>/dev/null; do
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
  kill -0 "$SERVER_PID" 2>/dev/null || {
    cat "$SERVER_LOG" >&2
    die "the server exited before it was ready"
  }
  ((SECONDS < deadline)) || {
    cat "$SERVER_LOG" >&2
    die "the server was not ready within ${READY_TIMEOUT}s"
  }
  sleep 0.5
done
log "server ready"

"$VENV/bin/python" - "$CONTRACT" "$BASE/openapi.json" <<'PY' || log "warning: $BASE/openapi.json is not $CONTRACT"
import json, sys, urllib.request
import yaml
with open(sys.argv[1], encoding="utf-8") as f:
    local = yaml.safe_load(f)
with urllib.request.urlopen(sys.argv[2], timeout=5) as r:
    served = json.load(r)
sys.exit(0 if json.loads(json.dumps(local, default=str)) == served else 1)
PY

# --- 4. Schemathesis -----------------------------------------------------------------------
# shellcheck disable=SC2206 # splitting ST_EXTRA_ARGS on spaces is the point
extra=(${ST_EXTRA_ARGS:-})
args=(
  --config-file "$HERE/schemathesis.toml"
  run "$CONTRACT"
  --url "$BASE"
  --header "Authorization: Bearer $TOKEN"
  --checks all
  --phases examples,coverage,fuzzing,stateful
  --max-examples "$MAX_EXAMPLES"
  --seed "$SEED"
  --workers 1
  --continue-on-failure
  --generation-database none
  --request-timeout "$REQUEST_TIMEOUT"
  --report "$REPORTS"
  --report-dir "$REPORT_DIR"
  --report-junit-path "$REPORT_DIR/junit.xml"
  --report-ndjson-path "$REPORT_DIR/events.ndjson"
  "${extra[@]}"
)
log "$("$VENV/bin/schemathesis" --version): schemathesis ${args[*]//$TOKEN/<token>}"
rc=0
# In the background and waited for, so that INT/TERM reach the traps at once (bash runs a trap
# only after a foreground command returns) and cleanup() stops Schemathesis first.
# Its output goes through a filter that rewords the closing rule "=== 1 warning in 118.22s ===":
# CI reads a line of that shape as pytest's and would count it as a run of no test. The counts
# that matter are the closing "tests: N passed, N failed, N skipped" of test/summary.mjs.
exec 3> >(sed -u -E 's/^=+ (.*) in ([0-9.]+s) =+$/schemathesis finished in \2: \1/')
FILTER_PID=$!
SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
  HYPOTHESIS_STORAGE_DIRECTORY="$HYPOTHESIS_DIR" \
  timeout --kill-after=30 "$RUN_TIMEOUT" "$VENV/bin/schemathesis" "${args[@]}" >&3 &
ST_PID=$!
wait "$ST_PID" || rc=$?
ST_PID=""
exec 3>&-
wait "$FILTER_PID" 2>/dev/null || true
((rc == 124)) && log "schemathesis did not finish within ${RUN_TIMEOUT}s (ST_TIMEOUT)"
if [[ -s "$REPORT_DIR/events.ndjson" ]]; then
  "$VENV/bin/python" "$HERE/summarize.py" "$REPORT_DIR/events.ndjson" --failures >"$REPORT_DIR/summary.txt" 2>&1 || true
  log "test cases per operation and phase, and every failing check result: $REPORT_DIR/summary.txt"
fi
log "exit code $rc; reports in $REPORT_DIR/ (junit.xml, events.ndjson), server log $SERVER_LOG"
exit "$rc"
