import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { StudioEvent } from '../../shared/events';
import { INVITE_TOKEN_PREFIX, type Invite } from '../../shared/invites';
import type { StudioErrorShape } from '../../shared/result';
import type { Studio } from '../core/studio';
import {
  allowedHosts,
  allowedOrigins,
  CONTENT_SECURITY_POLICY,
  decodeOrNull,
  isLoopback,
  newToken,
  parseCookies,
  studioBaseUrl,
  studioUrl,
  tokensEqual,
} from './security';
import { scopeInviteCall } from './invite-scope';

export interface ServeOptions {
  /** The studio's one door, its events and folders: nothing else of it is served. */
  studio: Pick<Studio, 'dispatch' | 'events' | 'paths'>;
  /** Interface to bind; loopback unless the user asks otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed access token (e.g. for scripts); a random one otherwise. */
  token?: string;
  /** Folder of the built renderer (index.html + assets). */
  rendererDir: string;
}

export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly server: Server;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 8 * 1024 ** 3;
const SSE_KEEPALIVE_MS = 15_000;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

/** Who a request comes from: the owner (the studio's token) or an invited annotator (an invite's token). */
type Caller = { role: 'owner' } | { role: 'annotator'; invite: Invite };

type Identified =
  | { ok: true; caller: Caller; cookies: string[] }
  | { ok: false; status: number; error: StudioErrorShape; badCookie?: boolean; noToken?: boolean };

const HTTP_STATUS: Partial<Record<StudioErrorShape['code'], number>> = {
  UNKNOWN_METHOD: 404,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  INTERNAL: 500,
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function refusePage(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Alignment Studio</title><p>${escapeHtml(message)}</p>`);
}

/** Thrown while reading a request body that is over MAX_BODY_BYTES. */
class BodyTooLarge extends Error {}

/**
 * The request body as text, at most MAX_BODY_BYTES. A larger body is read to
 * its end and dropped rather than cut off: a connection reset mid-upload
 * would lose the 413 answer the client is meant to read.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      // A client that keeps sending long past the limit is cut off after all.
      else if (size > 4 * MAX_BODY_BYTES) req.destroy();
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(new BodyTooLarge()) : resolveBody(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** Streams a file into the response; a read error ends the response instead of crashing the server. */
function sendFile(res: ServerResponse, file: string): void {
  const stream = createReadStream(file);
  stream.on('error', (err) => {
    console.error(`[studio serve] reading ${file}: ${err.message}`);
    res.destroy();
  });
  stream.pipe(res);
}

/** `attachment` with the name as plain ASCII and, for any other character, RFC 6266's UTF-8 `filename*`. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Serve mode: the studio as a local web app. The renderer and the contract
 * (`POST /api/<method>`, events over SSE at `GET /api/events`) behind one
 * access token. The token arrives once in the URL; the page then carries it
 * in an HttpOnly, SameSite=Strict cookie (scripts may use a Bearer header).
 * Requests from other origins, or naming another Host (DNS rebinding), are
 * refused; there are no CORS headers at all.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const rendererDir = resolve(options.rendererDir);
  const { studio } = options;
  const sseClients = new Set<ServerResponse>();
  let hosts = new Set<string>();
  let origins = new Set<string>();
  let cookieName = 'studio_token';
  let inviteCookieName = 'studio_invite';
  let baseUrl = '';

  const cookie = (name: string, value: string) => `${name}=${value}; HttpOnly; SameSite=Strict; Path=/`;
  const clearCookie = (name: string) => `${name}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  const OWNER: Identified = { ok: true, caller: { role: 'owner' }, cookies: [] };
  const NO_TOKEN: Identified = {
    ok: false,
    status: 401,
    noToken: true,
    error: { code: 'UNAUTHORIZED', message: 'This studio needs its access token: open the URL printed by `studio serve`.' },
  };
  const badCookie = (name: string): Identified => ({
    ok: false,
    status: 400,
    badCookie: true,
    error: {
      code: 'INVALID_ARGUMENT',
      message: `The ${name} cookie is not valid percent-encoding: open the URL printed by \`studio serve\` again.`,
    },
  });

  /** An invite token's invite, looked up (by hash) on every request: a revoked or expired one is refused at once. */
  const withInvite = async (inviteToken: string, cookies: string[]): Promise<Identified> => {
    const checked = await studio.dispatch('invites.check', { token: inviteToken });
    if (!checked.ok) return { ok: false, status: HTTP_STATUS[checked.error.code] ?? 401, error: checked.error };
    return { ok: true, caller: { role: 'annotator', invite: checked.value as Invite }, cookies };
  };

  /**
   * Who is asking. A Bearer header decides for scripts. Opening a link
   * (`?token=` or `?invite=`) sets that role's cookie and clears the other's,
   * so a browser holds one role at a time; with both cookies somehow present
   * the invite's, the narrower, wins.
   */
  const identify = async (req: IncomingMessage, url: URL): Promise<Identified> => {
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (bearer !== undefined && tokensEqual(bearer, token)) return OWNER;
    if (bearer?.startsWith(INVITE_TOKEN_PREFIX)) return withInvite(bearer, []);
    if (req.method === 'GET') {
      const invite = url.searchParams.get('invite');
      if (invite) return withInvite(invite, [cookie(inviteCookieName, encodeURIComponent(invite)), clearCookie(cookieName)]);
      if (tokensEqual(url.searchParams.get('token') ?? undefined, token))
        return { ...OWNER, cookies: [cookie(cookieName, token), clearCookie(inviteCookieName)] };
    }
    const jar = parseCookies(req.headers.cookie);
    const rawInvite = jar[inviteCookieName];
    if (rawInvite) {
      const invite = decodeOrNull(rawInvite);
      return invite === null ? badCookie(inviteCookieName) : withInvite(invite, []);
    }
    const rawOwn = jar[cookieName];
    if (rawOwn !== undefined) {
      const own = decodeOrNull(rawOwn);
      if (own === null) return badCookie(cookieName);
      if (tokensEqual(own, token)) return OWNER;
    }
    return NO_TOKEN;
  };

  const serveStatic = (res: ServerResponse, pathname: string) => {
    if (!existsSync(join(rendererDir, 'index.html'))) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The studio UI is not built yet: run `npm run build` (or `npm run serve`, which builds it).');
      return;
    }
    const decoded = decodeOrNull(pathname);
    if (decoded === null) {
      refuse(res, 400, 'INVALID_ARGUMENT', 'The path is not valid percent-encoding.');
      return;
    }
    let file = resolve(rendererDir, '.' + normalize(decoded));
    if (file !== rendererDir && !file.startsWith(rendererDir + sep)) {
      refuse(res, 404, 'NOT_FOUND', 'No such file.');
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) {
      // Client-side routes fall back to the app; missing assets are a 404.
      if (extname(pathname)) {
        refuse(res, 404, 'NOT_FOUND', 'No such file.');
        return;
      }
      file = join(rendererDir, 'index.html');
    }
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'Content-Type': type,
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'private, max-age=31536000, immutable',
    });
    sendFile(res, file);
  };

  const { uploads: uploadsDir, exports: exportsDir } = studio.paths;

  /** A file picked in the browser, streamed into the workspace so imports can read it by path. */
  const receiveUpload = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const cleaned = (url.searchParams.get('name') ?? 'upload').replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(-120);
    const name = /^\.*$/.test(cleaned) ? 'upload' : cleaned;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_UPLOAD_BYTES) {
      refuse(res, 413, 'INVALID_ARGUMENT', 'The file is larger than 8 GiB; import it by path instead.');
      return;
    }
    // One folder per upload keeps the file's own name, which reports and record sources show.
    const folder = join(uploadsDir, `${Date.now()}-${process.hrtime.bigint() % 1000000n}`);
    mkdirSync(folder, { recursive: true });
    const target = join(folder, name);
    const partial = `${target}.partial`;
    try {
      await pipeline(req, createWriteStream(partial));
      renameSync(partial, target);
      sendJson(res, 200, { ok: true, value: { path: target, name, bytes: statSync(target).size } });
    } catch {
      rmSync(partial, { force: true });
      if (!res.headersSent) refuse(res, 400, 'INVALID_ARGUMENT', 'The upload was interrupted.');
    }
  };

  /** Files the studio wrote to the workspace's exports folder, by name. */
  const sendDownload = (res: ServerResponse, rawName: string) => {
    const name = decodeOrNull(rawName);
    if (name === null) {
      refuse(res, 400, 'INVALID_ARGUMENT', 'The download name is not valid percent-encoding.');
      return;
    }
    const file = resolve(exportsDir, name);
    if (!file.startsWith(resolve(exportsDir) + sep) || !existsSync(file) || statSync(file).isDirectory()) {
      refuse(res, 404, 'NOT_FOUND', `No export named ${name}.`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': contentDisposition(name),
      'Cache-Control': 'no-store',
    });
    sendFile(res, file);
  };

  const openEvents = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    sseClients.add(res);
    const send = (event: StudioEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    const unsubscribe = studio.events.subscribe(send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      sseClients.delete(res);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://studio.invalid');
    } catch {
      refuse(res, 400, 'INVALID_ARGUMENT', 'The request target is not a valid URL.');
      return;
    }
    if (isLoopback(host) && !hosts.has(req.headers.host ?? '')) {
      refuse(res, 421, 'FORBIDDEN_ORIGIN', `Requests must be addressed to this studio (Host ${[...hosts][0]}).`);
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      refuse(res, 403, 'FORBIDDEN_ORIGIN', `Requests from ${origin} are not allowed.`);
      return;
    }
    const auth = await identify(req, url);
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    if (!auth.ok) {
      if (isApi || auth.badCookie) refuse(res, auth.status, auth.error.code, auth.error.message);
      else if (auth.noToken)
        refusePage(
          res,
          401,
          'This studio needs its access token. Open the full URL that `studio serve` printed (it ends with ?token=…), or the invite link you were sent.',
        );
      else refusePage(res, auth.status, auth.error.message);
      return;
    }
    if (auth.cookies.length) res.setHeader('Set-Cookie', auth.cookies);
    const { caller } = auth;

    if (!isApi) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        refuse(res, 405, 'INVALID_ARGUMENT', 'Only GET is allowed here.');
        return;
      }
      // An invite opens the app (whose labeler it gates by queue) and its assets, no other page.
      if (caller.role === 'annotator' && url.pathname !== '/' && !extname(url.pathname)) {
        refusePage(
          res,
          403,
          `This invite (for ${caller.invite.annotator.name}) opens only the labeler; ${url.pathname} is not part of it.`,
        );
        return;
      }
      serveStatic(res, url.pathname);
      return;
    }
    if (
      caller.role === 'annotator' &&
      (url.pathname === '/api/events' || url.pathname === '/api/upload' || url.pathname.startsWith('/api/download/'))
    ) {
      refuse(
        res,
        403,
        'FORBIDDEN',
        `This invite (for ${caller.invite.annotator.name}) opens only the labeler: ${url.pathname} is not part of it.`,
      );
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      openEvents(req, res);
      return;
    }
    if (url.pathname === '/api/upload' && req.method === 'POST') {
      await receiveUpload(req, res, url);
      return;
    }
    if (url.pathname.startsWith('/api/download/') && req.method === 'GET') {
      sendDownload(res, url.pathname.slice('/api/download/'.length));
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    if (req.method !== 'POST' || !method) {
      refuse(res, 405, 'INVALID_ARGUMENT', 'Call the API with POST /api/<method>.');
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      refuse(res, 415, 'INVALID_ARGUMENT', 'Send the arguments as JSON (Content-Type: application/json).');
      return;
    }
    let args: unknown;
    try {
      const body = await readBody(req);
      args = body.trim() === '' ? {} : JSON.parse(body);
    } catch (err) {
      if (err instanceof BodyTooLarge) refuse(res, 413, 'INVALID_ARGUMENT', `The request body of ${method} is larger than 16 MiB.`);
      else refuse(res, 400, 'INVALID_ARGUMENT', 'The request body is not valid JSON.');
      return;
    }
    let filter: ((value: unknown) => unknown) | undefined;
    if (caller.role === 'annotator') {
      const scoped = scopeInviteCall(caller.invite, method, args);
      if (scoped.kind === 'refuse') {
        refuse(res, 403, 'FORBIDDEN', scoped.message);
        return;
      }
      if (scoped.kind === 'answer') {
        sendJson(res, 200, { ok: true, value: scoped.value });
        return;
      }
      ({ args, filter } = scoped);
    } else if (method === 'invites.create' && typeof args === 'object' && args !== null && !('baseUrl' in args)) {
      // The link points at this server, as annotators' browsers reach it.
      args = { ...args, baseUrl: baseUrl || `http://${req.headers.host ?? ''}` };
    }
    const result = await studio.dispatch(method, args);
    if (result.ok && filter) result.value = filter(result.value);
    sendJson(res, result.ok ? 200 : (HTTP_STATUS[result.error.code] ?? 400), result);
  };

  /** Whatever a request's handling throws becomes a 500 naming what was asked; the server keeps serving. */
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const pathname = (req.url ?? '/').split('?')[0]!;
      const what = req.method === 'POST' && pathname.startsWith('/api/') ? pathname.slice('/api/'.length) : `${req.method} ${pathname}`;
      const message = err instanceof Error ? err.message : String(err);
      console.error(`[studio serve] internal error in ${what}:`, err);
      if (res.headersSent) res.destroy();
      else refuse(res, 500, 'INTERNAL', `Internal error in ${what}: ${message}`);
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  origins = allowedOrigins(host, port);
  cookieName = `studio_token_${port}`;
  inviteCookieName = `studio_invite_${port}`;
  baseUrl = studioBaseUrl(host, port);

  return {
    url: studioUrl(host, port, token),
    host,
    port,
    token,
    server,
    close: async () => {
      for (const client of sseClients) client.end();
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Idle keep-alive sockets and a reconnecting event stream would hold close() open: drop them now.
      server.closeAllConnections();
      await closed;
    },
  };
}
