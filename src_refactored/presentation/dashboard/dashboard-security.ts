import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-bullite-token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function hostnameOf(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
}

export interface SecurityOptions {
  token: string;
  /** Host headers accepted (host[:port]); default: any loopback name, which defeats DNS rebinding. */
  allowedHosts?: readonly string[];
}

export type Verdict = { ok: true } | { ok: false; status: number; message: string };

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Every request must name an expected Host (a page on another site that resolves its name to 127.0.0.1
 * still sends its own Host) and carry the token. Writes must send the token in a header — which a
 * cross-site form cannot — and, when the browser sends an Origin, come from this very origin.
 */
export function checkRequest(req: IncomingMessage, url: URL, opts: SecurityOptions): Verdict {
  const host = req.headers.host ?? '';
  const hostOk = opts.allowedHosts ? opts.allowedHosts.includes(host) : LOOPBACK.has(hostnameOf(host));
  if (!hostOk) return { ok: false, status: 421, message: `Host ${host || '(none)'} is not allowed for this dashboard.` };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    return { ok: false, status: 403, message: 'Cross-origin requests are refused.' };
  }
  const headerToken = req.headers[TOKEN_HEADER];
  const fromHeader = typeof headerToken === 'string' ? headerToken : undefined;
  const write = req.method !== 'GET' && req.method !== 'HEAD';
  const given = write ? fromHeader : (fromHeader ?? url.searchParams.get('token') ?? undefined);
  if (!sameToken(given, opts.token)) {
    return {
      ok: false,
      status: 401,
      message: write
        ? 'Actions need the access token in the x-bullite-token header.'
        : 'Missing or wrong access token: open the URL that `bullite dashboard` printed (it ends with ?token=…).',
    };
  }
  return { ok: true };
}
