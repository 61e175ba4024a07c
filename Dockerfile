# syntax=docker/dockerfile:1
# Omni in a container: `docker build -t omni .`, then `docker run -p 3000:3000 -v omni-data:/data omni`
# (embedded profile, data in the volume) or through docker-compose.yml / docker-compose.prod.yml /
# k8s/production (postgres + redis: the scale profile). The command is an `omni` subcommand:
# `start` (default: API + workers), `api`, `worker [--role …]`, `migrate`, or any other.

# --- build: all dependencies, so that `npm ci` (its `prepare` script) builds web/dist with vite ----
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY web ./web
# The web sources import types from src/ (erased at build, but resolved by the type-aware tools).
COPY src ./src
COPY tsconfig.json ./
RUN npm ci && test -f web/dist/widget/widget.js

# --- runtime: production dependencies only (tsx is one: bin/omni.js runs the TypeScript sources) ---
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    OMNI_DATA_DIR=/data
# curl: the HEALTHCHECK, and the runbooks' `kubectl exec … -- curl -v https://api.openai.com`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` runs at `npm ci`; without vite it says so and succeeds (web/dist comes from the build stage).
COPY scripts/prepare-web.ts ./scripts/prepare-web.ts
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY datasets ./datasets
COPY --from=build /app/web/dist ./web/dist
# The embedded database lives in OMNI_DATA_DIR; a named volume or PVC keeps it across restarts.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# /health is 200 while Omni can do its job (optional parts may be degraded), 503 when it cannot.
# Processes without HTTP (`omni worker`) disable this check in compose and have no probe in k8s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/health" || exit 1
# Omni handles SIGTERM itself: stops taking requests, finishes in-flight work (SHUTDOWN_TIMEOUT_MS).
ENTRYPOINT ["node", "bin/omni.js"]
CMD ["start"]
