# syntax=docker/dockerfile:1
# The offload server on CPU, as a non-root user: onnxruntime-node's bundled CPU build. The CUDA
# variant (offload-server.cuda.Dockerfile) runs the same command with the same environment.
# Build from the repository root: docker build -f docker/offload-server.Dockerfile .
#
# Base images are pinned to exact versions. Their digests could not be looked up where this file
# was written (no container registry reachable); add `@sha256:...` when you build.
FROM node:20.19.5-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY web/package.json web/
COPY offload-server/package.json offload-server/
COPY e2e/package.json e2e/
# The bundled CPU build of onnxruntime-node: no CUDA download.
ENV ONNXRUNTIME_NODE_INSTALL=skip
# Only the server's runtime dependencies (tsx among them). npm still installs the devDependencies
# of a workspace another one depends on (@sfa/shared's onnxruntime-web, 140 MB), so they are
# dropped from its manifest in this throwaway stage. onnxruntime-node ships binaries for every
# platform (220 MB); this one's are kept.
RUN npm pkg delete devDependencies --workspace @sfa/shared \
 && npm install --omit=dev --no-audit --no-fund --workspace @sfa/offload-server \
 && cd node_modules/onnxruntime-node/bin/napi-v6 \
 && find . -mindepth 2 -maxdepth 2 ! -path "./linux/$(node -p process.arch)" -exec rm -rf {} +

FROM node:20.19.5-bookworm-slim
# /data (jobs, results) and /models (ONNX files) belong to the server's user, so fresh named
# volumes mounted there take that ownership.
RUN mkdir -p /data /models && chown node:node /data /models
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    SFA_DATA_DIR=/data \
    SFA_MODELS_DIR=/models \
    SFA_EXECUTION_PROVIDER=cpu
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY package.json tsconfig.base.json ./
COPY shared shared
COPY offload-server offload-server
VOLUME ["/data", "/models"]
USER node
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8787) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# One process (tsx as a loader, not its CLI, which would run the server in a child), so the
# server itself gets SIGTERM and drains.
CMD ["node", "--import", "tsx", "offload-server/src/main.ts"]
