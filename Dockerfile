# syntax=docker/dockerfile:1
#
# tixngo-bridge: one image for every role.
#   docker build -t tixngo-bridge .
#   docker run --read-only --tmpfs /tmp -e BRIDGE_ROLE=inject ... tixngo-bridge          # role from env
#   docker run --read-only --tmpfs /tmp ... tixngo-bridge cancel                         # or as argument
#   docker run ... --entrypoint node tixngo-bridge dist/cli/main.js status               # support CLI / tools
#
# Node is PID 1 (exec-form ENTRYPOINT, no shell, no npm): SIGTERM from `docker stop` or Kubernetes
# reaches the service itself, which drains within SHUTDOWN_DRAIN_MS. The service spawns no child
# processes, so no init (tini, --init) is needed to reap zombies.

# The Node the repository pins for development, tests and CI (package.json: the `node` dev dependency, engines).
ARG NODE_IMAGE=node:24.21-bookworm-slim

# ---- build: all dependencies, compile TypeScript to dist/ ------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# patches/: what `npm ci`'s postinstall (patch-package) applies to installed dependencies.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- production dependencies only ------------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Without scripts: patch-package is a dev dependency. The patched packages come from the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/node_modules/kafkajs ./node_modules/kafkajs

# ---- runtime ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# A heap cap, so V8 collects instead of growing while a backlog streams through: with it the role peaks
# at ~210 MB RSS working through a 1,000,000-event backlog (without it ~370 MB; `npm run bench` runs the
# role with this line). 192 MB held RSS the same and cost ~10 % of throughput in garbage collection.
# And a young-generation cap: Node 24's V8 lets each semi-space grow to 64 MB where Node 20's stopped at 16;
# the same backlog then peaked at 334 MB instead of 199 (Node 20) or 233 (Node 24 with 16).
# Raise the heap cap with the batch size (extraEnv), keeping the semi-space cap.
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=16"
# glibc's malloc gives threads that allocate their own arenas (up to 8 per core) and keeps what is freed in
# them; Node's helper threads (V8's GC and compiler workers, libuv's pool) each take one. With two, the role
# peaked at 234-243 MB RSS on the same backlog instead of 247-257 MB, with no measurable CPU cost
# (docs/benchmarks.md; `npm run bench` runs the role with this line too).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
# A named, non-root user with a fixed numeric id: Kubernetes' runAsNonRoot can only verify a numeric USER.
RUN groupadd --system --gid 10001 bridge \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin bridge
# Everything is owned by root and read-only for the service: it writes nothing but (at most) /tmp, which is
# a tmpfs/emptyDir mount in production (`--read-only --tmpfs /tmp`, readOnlyRootFilesystem: true).
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY schemas ./schemas
USER 10001:10001
EXPOSE 8080
# No curl in slim images: Node's own fetch against the liveness endpoint.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# No CMD: the role comes from BRIDGE_ROLE, or from the first argument (`docker run … inject`).
ENTRYPOINT ["node", "--enable-source-maps", "dist/main.js"]
