import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The Content-Security-Policy of the studio's UI, the same in Electron (meta
 * tag) and serve mode (header): only the studio's own scripts, styles and API.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The `host:port` values a browser may legitimately send for this server. */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = isLoopback(host) ? ['127.0.0.1', 'localhost', '[::1]', hostForUrl(host)] : [hostForUrl(host)];
  return new Set(names.map((n) => `${n}:${port}`));
}

export function allowedOrigins(host: string, port: number): Set<string> {
  return new Set([...allowedHosts(host, port)].map((h) => `http://${h}`));
}

/**
 * The cookies of a `Cookie:` header, values as sent (not percent-decoded):
 * cookies are shared by every port of a host, so another local app's cookie
 * with a stray `%` must not stop the studio from reading its own.
 */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** `decodeURIComponent` that answers null for malformed percent-encoding (`%`, `%zz`, a cut UTF-8 sequence) instead of throwing. */
export function decodeOrNull(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * The address other browsers reach this server at, for links it hands out
 * (invites); empty when bound to every interface, where only the request's
 * own Host says which address works.
 */
export function studioBaseUrl(host: string, port: number): string {
  return host === '0.0.0.0' || host === '::' ? '' : `http://${hostForUrl(host)}:${port}`;
}

export function studioUrl(host: string, port: number, token: string): string {
  return `http://${hostForUrl(host)}:${port}/?token=${token}`;
}
