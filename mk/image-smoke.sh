#!/usr/bin/env bash
# make image-smoke: the Dockerfile's stages replayed without a Docker engine, then the result run
# the way the image runs it. An approximation of the image, not the image: same Node.js major on
# the host (mk/node.mk) instead of node:24.19.0-bookworm-slim, and the steps below mirror the Dockerfile by hand.
#   build    the context files the Dockerfile copies, compiled by tsc -p tsconfig.build.json
#   deps     npm ci --omit=dev --ignore-scripts from package-lock.json (network: the npm registry)
#   runtime  dist/ + node_modules/ + package.json + openapi/ + sql/, nothing else
# Then, as uid 1000 with the root filesystem read-only (a private mount namespace; needs root,
# otherwise it runs as the current user on a writable filesystem and says so), only the PGlite
# data folder writable: the Dockerfile's own HEALTHCHECK command, /ready, the README's curl
# walk-through, and SIGTERM -> exit 0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/.tools/image-smoke"
cd "$root"

rm -rf "$work" && mkdir -p "$work/build" "$work/app" "$work/data"
echo "image-smoke: build stage"
cp -r package.json package-lock.json tsconfig.json tsconfig.build.json generated src "$work/build/"
ln -s "$root/node_modules" "$work/build/node_modules"
(cd "$work/build" && "$root/node_modules/.bin/tsc" -p tsconfig.build.json)
echo "image-smoke: deps stage (npm ci --omit=dev)"
cp package.json package-lock.json "$work/app/"
(cd "$work/app" && npm_config_ignore_scripts=true npm ci --omit=dev --no-audit --no-fund --loglevel=error)
echo "image-smoke: runtime stage"
cp -r "$work/build/dist" "$work/app/"
cp -r openapi sql "$work/app/"
rm -rf "$work/build"

# The HEALTHCHECK command exactly as the Dockerfile states it.
healthcheck=$(python3 - <<'PY'
import json, re
text = re.sub(r'\\\n', ' ', open('Dockerfile', encoding='utf-8').read())
line = next(l for l in text.splitlines() if l.startswith('HEALTHCHECK'))
cmd = json.loads(line[line.index('CMD') + 3:].strip())
assert cmd[:2] == ['node', '-e'], cmd
print(cmd[2])
PY
)
printf '%s' "$healthcheck" > "$work/healthcheck.js"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")

cat > "$work/run.sh" <<EOF
set -u
passed=0; failed=0
ok() { echo "  ok    \$1"; passed=\$((passed+1)); }
bad() { echo "  FAIL  \$1"; failed=\$((failed+1)); }
as_user=()
if [ "\$(id -u)" = 0 ] && mount --bind "$work/data" "$work/data" 2>/dev/null && mount -o remount,bind,ro / 2>/dev/null; then
  touch "$work/app/probe" 2>/dev/null && bad "root filesystem read-only" || ok "root filesystem read-only (only $work/data writable)"
  chown 1000:1000 "$work/data"
  as_user=(setpriv --reuid 1000 --regid 1000 --clear-groups)
else
  echo "  note  not root or no mount namespace: running as \$(id -un) on a writable filesystem"
fi
cd "$work/app"
"\${as_user[@]}" env -i PATH="\$PATH" HOME=/nonexistent NODE_ENV=production HOST=127.0.0.1 PORT=$port \
  PGLITE_DATA_DIR="$work/data/pglite" CURSOR_SECRET=image-smoke-only-cursor-secret-0123456789 \
  AUTH_API_KEYS='[{"sha256":"e142122554d8f8774956b54ba78cc5890fdb7ed0cb93499aa4599dae405cdf4b","subject":"user123","scopes":["data:read","data:write"]}]' \
  node dist/src/main.js > "$work/data/app.log" 2>&1 &
pid=\$!
healthy=no
for _ in \$(seq 1 60); do PORT=$port node -e "\$(cat "$work/healthcheck.js")" && healthy=yes && break; sleep 0.5; done
[ \$healthy = yes ] && ok "the Dockerfile HEALTHCHECK command reports healthy" || bad "the Dockerfile HEALTHCHECK command reports healthy"
base=http://127.0.0.1:$port
curl -fsS \$base/ready >/dev/null && ok "GET /ready 200" || bad "GET /ready 200"
body=\$(curl -fsS -X POST \$base/data -H 'X-API-Key: imgsmoke-5f0c9a1e7b3d4c2a8e6f1b9d0a7c3e5f' -H 'Content-Type: application/json' -d '{"user_id":"user123","payload":{"name":"João","age":30}}') \
  && ok "POST /data 201" || bad "POST /data 201"
id=\$(node -e 'console.log(JSON.parse(process.argv[1]).id)' "\$body" 2>/dev/null || true)
curl -fsS -H 'X-API-Key: imgsmoke-5f0c9a1e7b3d4c2a8e6f1b9d0a7c3e5f' \$base/data/\$id | grep -q João && ok "GET /data/{id} returns the record" || bad "GET /data/{id} returns the record"
curl -fsS -H 'X-API-Key: imgsmoke-5f0c9a1e7b3d4c2a8e6f1b9d0a7c3e5f' "\$base/data?user_id=user123" | grep -q "\$id" && ok "GET /data?user_id=user123 lists it" || bad "GET /data?user_id=user123 lists it"
kill -TERM \$pid; wait \$pid; code=\$?
[ \$code = 0 ] && ok "SIGTERM: drained and exited 0" || bad "SIGTERM: exit code \$code"
echo "image-smoke: \$passed passed, \$failed failed"
[ \$failed = 0 ] || { echo "--- service log"; tail -20 "$work/data/app.log"; exit 1; }
EOF
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
  unshare -m --propagation private bash "$work/run.sh"
else
  bash "$work/run.sh"
fi
