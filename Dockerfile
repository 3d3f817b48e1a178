# syntax=docker/dockerfile:1
# One image for everything Switchyard runs (docker-compose.yml picks the command):
#   app      node node_modules/next/dist/bin/next start -p 3000      (default CMD)
#   flags    node --import tsx lib/flag-server/main.ts
#   migrate  node scripts/migrate.mjs && node --import tsx prisma/seed.ts
# The flag server and the seed run their TypeScript through tsx (a runtime dependency), so the
# runtime stage keeps the sources of lib/, prisma/ and scripts/ beside the Next build.

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
# dependencies first, in their own layer: `npm ci` runs postinstall (`prisma generate`), which
# reads prisma.config.ts, prisma/ and scripts/prisma-generate.mjs
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .next/cache

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    FLAGS_PORT=3001 \
    FLAGS_HOST=0.0.0.0
COPY --from=build /app ./
# Next writes its cache (images, fetches) under .next/cache at run time; nothing else is writable
RUN mkdir -p .next/cache && chown -R node:node .next/cache
USER node
EXPOSE 3000 3001
CMD ["node", "node_modules/next/dist/bin/next", "start", "-p", "3000"]
