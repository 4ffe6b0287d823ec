# syntax=docker/dockerfile:1
# gx-gateway: multi-stage build on the Node LTS slim image; runs as the non-root "node" user.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 builds from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY bench ./bench
COPY test/helpers/samples.ts ./test/helpers/samples.ts
# The build compiles the reachable SHACL shapes (dist/shapes-compiled) from shapes/.
COPY contexts ./contexts
COPY shapes ./shapes
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    GXG_SERVER__HOST=0.0.0.0 \
    GXG_KEYS__DIR=/data/keys \
    GXG_DATABASE__FILE=/data/gx-gateway.sqlite
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml gx-gateway.example.yaml ./
COPY contexts ./contexts
COPY shapes ./shapes
COPY schemas ./schemas
COPY data ./data
COPY examples ./examples
RUN mkdir -p /data/keys && chown -R node:node /data && chmod 700 /data/keys
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=6s --start-period=20s --retries=3 \
  CMD ["node", "dist/src/cli/main.js", "health"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
