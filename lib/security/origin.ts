// Cross-site request forgery: a browser attaches the session cookie to requests from any site
// (SameSite=Lax still lets top-level navigations through, and sibling ports are the same site).
// A cookie-authenticated write must therefore say where it comes from — the Origin header, which
// browsers set on every POST/PUT/PATCH/DELETE and on server-action calls — and that origin must
// be one Switchyard is configured to be served at (lib/env.ts trustedOrigins). The request's own
// Host / X-Forwarded-Host are never consulted: an attacker controls those.
import { trustedOrigins } from '../env';
import { forbidden } from '../errors';

export function isTrustedOrigin(origin: string | null | undefined): boolean {
  if (!origin || origin === 'null') return false;
  let o: string;
  try {
    o = new URL(origin).origin;
  } catch {
    return false;
  }
  return trustedOrigins().has(o);
}

/** Throws 403 unless `origin` is trusted; `what` names the kind of request in the message. */
export function assertTrustedOrigin(origin: string | null | undefined, what: string): void {
  if (isTrustedOrigin(origin)) return;
  throw forbidden(
    origin
      ? `cross-origin ${what} refused: Origin ${JSON.stringify(origin.slice(0, 200))} is not where Switchyard is served (set SWITCHYARD_URL or SWITCHYARD_TRUSTED_ORIGINS)`
      : `${what} refused: it has no Origin header (send an API token with "Authorization: Bearer", or use the web UI)`,
  );
}
