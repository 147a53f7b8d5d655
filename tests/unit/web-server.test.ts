import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request } from 'node:http';
import WebSocket from 'ws';
import { inProcessHub, webGateFixture } from '../in-process-hub';
import { startWebServer, tokenMatches, type WebServer } from '../../hub/web-server';

// The backend is not started: these tests are about the gate, not the bus.
const { backend, staticDir: dir } = webGateFixture();
let srv: WebServer;

beforeAll(async () => {
  srv = await startWebServer(inProcessHub(backend), { staticDir: dir });
});
afterAll(async () => srv.close());

function get(path: string, host: string): Promise<{ status: number; csp?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: srv.port, path, headers: { Host: host } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, csp: res.headers['content-security-policy'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function tryWs(query: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws${query}`, { headers: origin ? { Origin: origin } : {} });
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('web mode gate', () => {
  it('tells a page whether its token is still the one, only from a header', async () => {
    const check = (token?: string) => new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: srv.port, path: '/token-check', headers: { Host: `127.0.0.1:${srv.port}`, ...(token === undefined ? {} : { 'X-NSD-Token': token }) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(await check(srv.token)).toBe(204);
    expect(await check(`${srv.token}x`)).toBe(401);
    expect(await check()).toBe(401);
  });

  it('prints a loopback URL that carries the token in the fragment', () => {
    expect(srv.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${srv.port}/#token=[A-Za-z0-9_-]{40,}$`));
  });

  it('accepts the right token from a same-origin loopback page', async () => {
    expect(await tryWs(`?token=${srv.token}`, `http://127.0.0.1:${srv.port}`)).toBe('open');
  });

  it('refuses no token, a wrong token, a foreign or missing Origin', async () => {
    const own = `http://127.0.0.1:${srv.port}`;
    expect(await tryWs('', own)).toBe(403);
    expect(await tryWs(`?token=${srv.token}x`, own)).toBe(403);
    expect(await tryWs(`?token=${srv.token}`, 'http://evil.example')).toBe(403);
    expect(await tryWs(`?token=${srv.token}`, `http://evil.example:${srv.port}`)).toBe(403);
    expect(await tryWs(`?token=${srv.token}`)).toBe(403);
  });

  it('answers requests over the socket with typed errors for bad input', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws?token=${srv.token}`, { headers: { Origin: `http://127.0.0.1:${srv.port}` } });
    const frames: unknown[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => ws.on('open', r));
    ws.send(JSON.stringify({ t: 'req', id: 1, method: 'machines.start', params: { name: 'x;rm -rf /' } }));
    await expect.poll(() => frames.find((f) => (f as { id?: number }).id === 1)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    ws.close();
  });

  it('refuses to bind anything but loopback', async () => {
    for (const bindHost of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '127.0.0.1.nip.io']) {
      await expect(startWebServer(inProcessHub(backend), { staticDir: dir, bindHost }), bindHost).rejects.toThrow(/loopback only/);
    }
  });

  it('never writes the token to a log, whether a client gets in or is refused', async () => {
    const written: string[] = [];
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation((c: unknown) => { written.push(String(c)); return true; }),
      vi.spyOn(process.stderr, 'write').mockImplementation((c: unknown) => { written.push(String(c)); return true; }),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => { written.push(a.join(' ')); })),
    ];
    try {
      const own = `http://127.0.0.1:${srv.port}`;
      expect(await tryWs(`?token=${srv.token}`, own)).toBe('open');
      expect(await tryWs(`?token=${srv.token}`, 'http://evil.example')).toBe(403);
      expect(await tryWs(`?token=${srv.token.slice(0, -1)}`, own)).toBe(403);
      await get(`/?token=${srv.token}`, 'evil.example');
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect(written.filter((w) => w.includes(srv.token) || w.includes(srv.token.slice(0, -1)))).toEqual([]);
  });

  it('refuses requests for other Host names (DNS rebinding) and path traversal', async () => {
    expect((await get('/', 'evil.example')).status).toBe(421);
    const ok = await get('/', `127.0.0.1:${srv.port}`);
    expect(ok.status).toBe(200);
    expect(ok.csp).toContain("default-src 'self'");
    const trav = await get('/..%2f..%2f..%2fetc%2fpasswd', `127.0.0.1:${srv.port}`);
    expect(trav.body).not.toContain('root:');
  });

  it('compares tokens in constant time without length leaks', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
  });
});
