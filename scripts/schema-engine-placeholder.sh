#!/bin/sh
# Placeholder for Prisma's native schema engine, which cannot be downloaded on this
# network. `prisma generate` only checks that an executable exists; migrations are applied
# by scripts/migrate.ts with @prisma/schema-engine-wasm / plain SQL instead.
echo "schema-engine placeholder: use 'npm run db:migrate'" >&2
exit 1
