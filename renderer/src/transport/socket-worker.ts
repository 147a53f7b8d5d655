// A dedicated worker that owns web mode's WebSocket. Chromium hands a WebSocket's incoming
// messages over through a pipe of ~128 KiB that only the owning thread drains. Owned by the page,
// that pipe sat full while xterm.js parsed a flood in 12 ms slices, the network service stopped
// reading, and the terminal starved between slices (a third of the time, measured). Here the pipe
// is drained at once and frames queue up for the page instead; the backend's ack window still
// bounds how much can queue.
import type { ServerFrame } from '../../../shared/contract';

export type PageToWorker = { type: 'open'; url: string } | { type: 'send'; data: string };
/** problem: why the link is down when the page must act (an expired token). */
export type WorkerToPage = { type: 'frame'; frame: ServerFrame } | { type: 'link'; up: boolean; problem?: string };

// The renderer's type-check uses the DOM library; a worker's global scope needs only these two.
const scope = self as unknown as {
  postMessage(m: WorkerToPage): void;
  onmessage: ((e: MessageEvent<PageToWorker>) => void) | null;
};

const TOKEN_EXPIRED = 'This page\'s access token is no longer valid: the app was started again with a new one. Open the URL it printed.';
let url = '';
let ws: WebSocket | undefined;
let retryMs = 500;
const queue: string[] = [];

function open(): void {
  const sock = new WebSocket(url);
  ws = sock;
  sock.onopen = () => {
    retryMs = 500;
    for (const q of queue.splice(0)) sock.send(q);
    scope.postMessage({ type: 'link', up: true });
  };
  sock.onmessage = (e) => {
    scope.postMessage({ type: 'frame', frame: JSON.parse(String(e.data)) as ServerFrame });
  };
  let opened = false;
  sock.addEventListener('open', () => { opened = true; });
  sock.onclose = () => {
    setTimeout(open, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
    if (opened) {
      scope.postMessage({ type: 'link', up: false });
      return;
    }
    // Refused before it opened: a restarted app with a new token answers 401 here.
    const token = new URL(url).searchParams.get('token') ?? '';
    fetch('/token-check', { headers: { 'X-NSD-Token': token }, cache: 'no-store' })
      .then((r) => scope.postMessage({ type: 'link', up: false, problem: r.status === 401 ? TOKEN_EXPIRED : undefined }))
      .catch(() => scope.postMessage({ type: 'link', up: false }));
  };
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'open') {
    if (ws) return;
    url = m.url;
    open();
  } else if (ws?.readyState === WebSocket.OPEN) {
    ws.send(m.data);
  } else {
    queue.push(m.data);
  }
};
