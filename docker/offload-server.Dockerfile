# The offload server on CPU, as a non-root user. (The CUDA variant comes with the GPU work.)
# Build from the repository root: docker build -f docker/offload-server.Dockerfile .
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY web/package.json web/
COPY offload-server/package.json offload-server/
COPY e2e/package.json e2e/
RUN npm install --no-audit --no-fund --workspace @sfa/offload-server --include-workspace-root

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8787
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY package.json tsconfig.base.json ./
COPY shared shared
COPY offload-server offload-server
USER node
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8787/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node_modules/.bin/tsx", "offload-server/src/main.ts"]
