# data-api image: build with the dev dependencies, run with the production ones only.
#   docker build -t data-api .
#   docker run --rm -p 8000:8000 -e CURSOR_SECRET=... -e DATABASE_URL=postgres://... data-api
# Needs BuildKit (the default builder since Docker 23) for the npm cache mounts.
# See docs/containerization.md. `make docker-check` validates this file without a Docker engine.

# Node.js 24 LTS, pinned to the exact release that `make test` runs on (mk/node.mk). Pin by digest
# too where the registry is reachable: node:24.19.0-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:24.19.0-bookworm-slim

# ---- build: compile TypeScript into dist/ --------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Install scripts are skipped: only oracledb (an install-viability message), @scarf/scarf
# (download telemetry) and @swc/core (tests only) declare one, and the build needs none of them.
ENV npm_config_ignore_scripts=true \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY generated ./generated
COPY src ./src
COPY openapi ./openapi
# dist/openapi.json: the contract as JSON, so the server does not parse YAML at start.
RUN npx tsc -p tsconfig.build.json && node dist/src/cli/contract-json.js

# ---- deps: production dependencies only ------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_ignore_scripts=true \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

# ---- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="data-api" \
      org.opencontainers.image.description="OpenAPI-first data microservice (Koa + openapi-backend)"
# production: CURSOR_SECRET must be given (the service refuses to start without it).
# PGLITE_DATA_DIR points into the /data volume: the only place the service ever writes, and only
# when DATABASE_URL is unset (embedded PGlite). With DATABASE_URL nothing is written at all, so the
# container runs with a read-only root filesystem.
# WORKERS=0: one worker process per CPU the container may use (os.availableParallelism(), which on
# Linux follows the cgroup CPU limit, `docker run --cpus`, rounded down); one process with the
# embedded PGlite. Set WORKERS=1 for one process (docs/configuration.md, "Workers").
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    PGLITE_DATA_DIR=/data/pglite \
    WORKERS=0
WORKDIR /app
# The node user (uid 1000) of the official image; numeric so that runAsNonRoot can verify it.
RUN mkdir -p /data && chown 1000:1000 /data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time: the contract is the route table, sql/ holds the named statements and migrations.
COPY package.json ./
COPY openapi ./openapi
COPY sql ./sql
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8000
# No curl in slim images: node's fetch does the probe. /health checks no dependency.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (main.ts drains, then exits 0).
CMD ["node", "dist/src/main.js"]
