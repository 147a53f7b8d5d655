// Web mode: the renderer build and a WebSocket on loopback only, gated by a random token per start
// and a same-origin loopback Origin (so other web pages and DNS rebinding cannot reach it).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientHub } from './host-router.js';
import { MAX_FRAME_BYTES } from '../shared/contract.js';
import { log } from './log.js';
import { CSP } from './csp.js';


const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface WebServerOptions {
  staticDir: string;
  port?: number;
  /** Only loopback addresses are accepted. */
  bindHost?: string;
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(hostHeader);
  return m?.[1].toLowerCase();
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  // Hash both so lengths are equal and the comparison is constant-time.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** Same-origin and loopback: the page must have been served by us on a loopback name. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  if (o.protocol !== 'http:' || !LOOPBACK_HOSTS.has(o.hostname)) return false;
  return o.host === req.headers.host;
}

export async function startWebServer(hub: ClientHub, opts: WebServerOptions): Promise<WebServer> {
  const bindHost = opts.bindHost ?? '127.0.0.1';
  if (!['127.0.0.1', '::1', 'localhost'].includes(bindHost)) {
    throw new Error(`refusing to listen on ${bindHost}: web mode binds to loopback only (use ssh -L to reach it)`);
  }
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const root = resolve(opts.staticDir);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`no renderer build in ${root}; run: npm run build`);

  const server: Server = createServer((req, res) => {
    try {
      serveStatic(root, token, req, res);
    } catch (e) {
      // Anything a request can make go wrong ends that request, never the server.
      log(`web: ${req.method} request failed: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const onError = (e: Error) => log(`web: socket error before the upgrade: ${e.message}`);
    socket.on('error', onError);
    const url = parseUrl(req.url);
    if (!url || url.pathname !== '/ws' || !tokenMatches(token, url.searchParams.get('token')) || !originAllowed(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', onError); // the WebSocket's own error handler owns it now
      attach(hub, ws);
    });
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, bindHost, () => res());
  });
  const port = (server.address() as { port: number }).port;
  const shownHost = bindHost === '::1' ? '[::1]' : bindHost;
  return {
    url: `http://${shownHost}:${port}/#token=${token}`,
    port,
    token,
    close: () => new Promise((res) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => res());
      server.closeAllConnections();
    }),
  };
}

function parseUrl(raw: string | undefined): URL | undefined {
  try {
    return new URL(raw ?? '/', 'http://x');
  } catch {
    return undefined;
  }
}

function decodePath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined; // a malformed escape such as /%
  }
}

function serveStatic(root: string, token: string, req: IncomingMessage, res: ServerResponse): void {
  const host = hostnameOf(req.headers.host);
  if (!host || !LOOPBACK_HOSTS.has(host)) {
    res.writeHead(421).end('misdirected request\n');
    return;
  }
  const url = parseUrl(req.url);
  // A page whose socket is refused asks whether its token is still the one (header, not URL:
  // the token never appears in a request line); 401 means "open the new URL".
  if (url?.pathname === '/token-check') {
    res.writeHead(tokenMatches(token, req.headers['x-nsd-token'] as string | undefined) ? 204 : 401, { 'Cache-Control': 'no-store' }).end();
    return;
  }
  const path = url && decodePath(url.pathname);
  if (path === undefined || path.includes('\0')) {
    res.writeHead(400).end('bad request\n');
    return;
  }
  let file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  createReadStream(file).on('error', (e) => res.destroy(e)).pipe(res);
}

function attach(hub: ClientHub, ws: WebSocket): void {
  const client = hub.connect((json) => {
    // Bytes from the agent go out as a text frame as they are (they are its UTF-8 JSON).
    if (ws.readyState === ws.OPEN) ws.send(json, { binary: false });
  });
  // A protocol error (invalid UTF-8, a frame over maxPayload, a bad opcode) closes this socket
  // only: ws has already sent the close code (1007, 1009, 1002) that tells the client why.
  ws.on('error', (e) => {
    log(`web: closing a client connection: ${e.message}`);
    ws.terminate();
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.close(1003, 'frames are JSON text');
      return;
    }
    if (!client.receive(String(data))) ws.close(1007, 'a frame was not JSON');
  });
  ws.on('close', () => client.close());
}
