// How the renderer reaches the backend: an Electron MessagePort or the web-mode WebSocket.
// Both carry the same JSON frames defined in shared/contract.ts.
import type { ClientFrame, ServerFrame } from '../../../shared/contract';

export interface Transport {
  send(frame: ClientFrame): void;
  onFrame(fn: (f: ServerFrame) => void): void;
  /** Called with false when the link drops and true when it is back. */
  onLink(fn: (up: boolean) => void): void;
}

/** Web mode: token from the URL fragment (never sent to the server in the page request). */
export class WebSocketTransport implements Transport {
  private ws?: WebSocket;
  private frameFns: ((f: ServerFrame) => void)[] = [];
  private linkFns: ((up: boolean) => void)[] = [];
  private queue: string[] = [];
  private retryMs = 500;

  constructor(private readonly url: string) {
    this.open();
  }

  private open(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      for (const q of this.queue.splice(0)) ws.send(q);
      for (const fn of this.linkFns) fn(true);
    };
    ws.onmessage = (e) => {
      const f = JSON.parse(String(e.data)) as ServerFrame;
      for (const fn of this.frameFns) fn(f);
    };
    ws.onclose = () => {
      for (const fn of this.linkFns) fn(false);
      setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  send(frame: ClientFrame): void {
    const s = JSON.stringify(frame);
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(s);
    else this.queue.push(s);
  }

  onFrame(fn: (f: ServerFrame) => void): void {
    this.frameFns.push(fn);
  }

  onLink(fn: (up: boolean) => void): void {
    this.linkFns.push(fn);
  }
}

/** Electron: the preload hands the main world one MessagePort, posted as 'nsd-port'. */
export class PortTransport implements Transport {
  private frameFns: ((f: ServerFrame) => void)[] = [];

  constructor(private readonly port: MessagePort) {
    port.onmessage = (e) => {
      for (const fn of this.frameFns) fn(e.data as ServerFrame);
    };
    port.start();
  }

  send(frame: ClientFrame): void {
    this.port.postMessage(frame);
  }

  onFrame(fn: (f: ServerFrame) => void): void {
    this.frameFns.push(fn);
  }

  onLink(fn: (up: boolean) => void): void {
    fn(true);
  }
}

export function waitForElectronPort(timeoutMs = 3000): Promise<MessagePort | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), timeoutMs);
    window.addEventListener('message', function onMsg(e: MessageEvent) {
      if (e.source === window && e.data === 'nsd-port' && e.ports[0]) {
        clearTimeout(t);
        window.removeEventListener('message', onMsg);
        resolve(e.ports[0]);
      }
    });
  });
}
