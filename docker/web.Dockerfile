# syntax=docker/dockerfile:1
# The PWA as static files behind nginx (unprivileged): cross-origin isolation, a
# Content-Security-Policy, caching by kind of file and compression (nginx.conf, sfa-headers.conf).
# Build from the repository root: docker build -f docker/web.Dockerfile .
#
# Base images are pinned to exact versions. Their digests could not be looked up where this file
# was written (no container registry reachable); add `@sha256:...` when you build.
FROM node:20.19.5-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY web/package.json web/
COPY offload-server/package.json offload-server/
COPY e2e/package.json e2e/
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build
# Compressed once here at the best level, served as they are by gzip_static: ONNX Runtime's
# 41 MB of WebAssembly go out as about 10 MB without nginx compressing them on every request.
# (e2e/specs/nginx.spec.ts runs this line on the build it serves.)
RUN find dist -type f -size +1k \( -name '*.js' -o -name '*.mjs' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.webmanifest' -o -name '*.wasm' \) -exec gzip -9 -k -n {} +

FROM nginxinc/nginx-unprivileged:1.28.0-alpine
COPY docker/nginx.conf /etc/nginx/conf.d/default.conf
COPY docker/sfa-headers.conf /etc/nginx/sfa-headers.conf
COPY --from=build /src/dist /usr/share/nginx/html
# The base image's nginx user; said here so the image stays non-root whatever the base does.
USER 101
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
CMD ["nginx", "-g", "daemon off;"]
