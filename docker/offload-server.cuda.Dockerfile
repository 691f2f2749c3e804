# syntax=docker/dockerfile:1
# The offload server on an NVIDIA GPU: onnxruntime-node with its CUDA 12 provider, on NVIDIA's
# CUDA 12 + cuDNN 9 runtime (what that provider links against: cudart, cuBLAS, cuFFT, cuRAND,
# cuDNN), as a non-root user. Same command and environment as the CPU image bar the provider.
# Needs the NVIDIA driver and Container Toolkit on the host (`--gpus`, or compose's device
# reservation). Build from the repository root:
#   docker build -f docker/offload-server.cuda.Dockerfile .
#
# Base images are pinned to exact versions. Their digests could not be looked up where this file
# was written (no container registry reachable); add `@sha256:...` when you build. ONNX Runtime
# built for CUDA 12.x runs on any CUDA 12.x runtime; cuDNN must be 9.x.
FROM node:20.19.5-bookworm-slim AS node

FROM node AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY web/package.json web/
COPY offload-server/package.json offload-server/
COPY e2e/package.json e2e/
# onnxruntime-node's install script fetches the CUDA 12 provider libraries (NuGet) when asked;
# the environment variable outranks the repository's .npmrc, which says skip.
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
# Only the server's runtime dependencies; see offload-server.Dockerfile for the two clean-ups.
# The build fails here if the CUDA provider did not arrive.
RUN npm pkg delete devDependencies --workspace @sfa/shared \
 && npm install --omit=dev --no-audit --no-fund --workspace @sfa/offload-server \
 && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so \
 && cd node_modules/onnxruntime-node/bin/napi-v6 \
 && find . -mindepth 2 -maxdepth 2 ! -path "./linux/$(node -p process.arch)" -exec rm -rf {} +

# glibc (onnxruntime-node has no musl build); Ubuntu 22.04's 2.35 runs Node's official binary.
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
# Node from the pinned official image: one static-ish binary, no install script from the network.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
# The same user and uid (1000) as the CPU image, so the two can share volumes.
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin node \
 && mkdir -p /data /models && chown node:node /data /models
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    SFA_DATA_DIR=/data \
    SFA_MODELS_DIR=/models \
    SFA_EXECUTION_PROVIDER=cuda
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY package.json tsconfig.base.json ./
COPY shared shared
COPY offload-server offload-server
VOLUME ["/data", "/models"]
USER node
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8787) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "offload-server/src/main.ts"]
