// Web mode never dies of one client: malformed URLs and request lines answer 400; a WebSocket
// protocol error or an oversize frame closes that socket only, and other clients carry on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { inProcessHub, webGateFixture } from '../in-process-hub';
import { startWebServer, type WebServer } from '../../hub/web-server';
import { MAX_FRAME_BYTES } from '../../shared/contract';

// The backend is not started: host.info answers from memory, which is all these tests need.
const { backend, staticDir: dir } = webGateFixture();
let srv: WebServer;

beforeAll(async () => {
  srv = await startWebServer(inProcessHub(backend), { staticDir: dir });
});
afterAll(async () => srv.close());

/** Sends raw bytes and returns the first line of the answer. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(srv.port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    s.on('data', (d) => { got += d.toString(); });
    s.on('end', () => resolve(got.split('\r\n')[0]));
    s.on('close', () => resolve(got.split('\r\n')[0]));
    s.on('error', reject);
  });
}

function client(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws?token=${srv.token}`, { headers: { Origin: `http://127.0.0.1:${srv.port}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** host.info through a client: proves the backend and that client still work. */
function hostInfo(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => {
    const id = Math.floor(Math.random() * 1e9);
    ws.on('message', function onMsg(d) {
      const f = JSON.parse(String(d)) as { t: string; id?: number; ok?: boolean; result?: unknown };
      if (f.t === 'res' && f.id === id) {
        ws.off('message', onMsg);
        resolve(f.result);
      }
    });
    ws.send(JSON.stringify({ t: 'req', id, method: 'host.info', params: {} }));
  });
}

const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('web mode under bad input', () => {
  it.each(['/%', '/%E0%A4%A', '/assets/%ZZ', '/%00', '/..%2f..%2fetc%2fpasswd%'])('GET %s answers 400 and the server stays up', async (path) => {
    expect(await raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 200 OK');
  });

  it('a garbage request line answers 400', async () => {
    expect(await raw('NOT HTTP AT ALL\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 200 OK');
  });

  it.each([
    ['invalid UTF-8 in a text frame', (ws: WebSocket) => ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }), 1007],
    ['a frame over the limit', (ws: WebSocket) => ws.send('x'.repeat(MAX_FRAME_BYTES + 1)), 1009],
    ['a binary frame', (ws: WebSocket) => ws.send(Buffer.from('{}'), { binary: true }), 1003],
    ['a frame that is not JSON', (ws: WebSocket) => ws.send('{"t": "req", '), 1007],
  ] as const)('%s closes that socket only (code %s)', async (_label, bad, code) => {
    const [a, b] = await Promise.all([client(), client()]);
    const closed = closeCode(a);
    bad(a);
    expect(await closed).toBe(code);
    expect(await hostInfo(b)).toMatchObject({ label: 'test' });
    const c = await client();
    expect(await hostInfo(c)).toMatchObject({ label: 'test' });
    b.close();
    c.close();
  });
});
