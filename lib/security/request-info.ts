// Who is on the other end of a request, as far as the server can tell: the client IP and user
// agent, for the security log and the per-IP rate limit.
//
// Next.js fills X-Forwarded-For with the socket's address only when the header is absent, so
// the right-most entry is the closest hop: the client itself when Switchyard is reached
// directly, or what the reverse proxy in front of it appended. (A client reaching Switchyard
// directly can still put its own X-Forwarded-For in; docs/security.md says so.)
export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
  method: string | null;
  path: string | null;
}

export function clientIp(headers: Headers): string | null {
  const xff = headers.get('x-forwarded-for');
  const last = xff?.split(',').map((s) => s.trim()).filter(Boolean).pop();
  const ip = last ?? headers.get('x-real-ip')?.trim() ?? null;
  if (!ip) return null;
  // ::ffff:127.0.0.1 → 127.0.0.1; cap what we store
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1').slice(0, 64);
}

export function requestInfo(headers: Headers, method?: string | null, path?: string | null): RequestInfo {
  return {
    ip: clientIp(headers),
    userAgent: headers.get('user-agent')?.slice(0, 300) ?? null,
    method: method ?? null,
    path: path ? path.slice(0, 500) : null,
  };
}

export function requestInfoOf(req: Request): RequestInfo {
  let path: string | null = null;
  try {
    const u = new URL(req.url);
    path = u.pathname + u.search;
  } catch {
    path = null;
  }
  return requestInfo(req.headers, req.method, path);
}
