// Next.js proxy (the Next 16 name for middleware): response security headers and a per-request
// CSP nonce, which Next applies to its own scripts (pages are rendered dynamically). It also
// records the requested path for pages, so a deep link survives the sign-in redirect.
// Authorization is NOT done here — it is inside every service (cf. CVE-2025-29927).
import { NextResponse, type NextRequest } from 'next/server';

export function contentSecurityPolicy(nonce: string, dev: boolean, formTargets: string[] = []): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts loaded by a nonced script are trusted; dev mode needs eval
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // React and Recharts set style attributes; inline styles cannot run code
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    // Chromium checks form-action on every redirect after a form post: the SSO button's native
    // post to /api/auth/signin/oidc is redirected to the identity provider
    `form-action 'self'${formTargets.map((o) => ` ${o}`).join('')}`,
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The OIDC issuer's origin (lib/env.ts validates the URL at start-up; a bad one adds nothing here). */
function oidcOrigin(): string[] {
  const issuer = process.env.SWITCHYARD_OIDC_ISSUER;
  if (!issuer) return [];
  try {
    return [new URL(issuer).origin];
  } catch {
    return [];
  }
}

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === 'development', oidcOrigin());
  const reqHeaders = new Headers(request.headers);
  reqHeaders.set('x-nonce', nonce);
  reqHeaders.set('content-security-policy', csp);
  reqHeaders.set('x-switchyard-path', request.nextUrl.pathname + request.nextUrl.search);
  const res = NextResponse.next({ request: { headers: reqHeaders } });
  res.headers.set('content-security-policy', csp);
  res.headers.set('x-frame-options', 'DENY');
  res.headers.set('x-content-type-options', 'nosniff');
  res.headers.set('referrer-policy', 'strict-origin-when-cross-origin');
  res.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()');
  const https = request.nextUrl.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
  if (https) {
    res.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
    // browsers ignore (and warn about) COOP on plain-http origins other than localhost
    res.headers.set('cross-origin-opener-policy', 'same-origin');
  }
  return res;
}

export const config = {
  // everything but Next's static assets (they are immutable files, not documents)
  matcher: [{ source: '/((?!_next/static|_next/image|favicon.ico|icon.svg).*)' }],
};
