// How the renderer reaches the backend: an Electron MessagePort or the web-mode WebSocket.
// Both carry the same JSON frames defined in shared/contract.ts.
import type { ClientFrame, ServerFrame } from '../../../shared/contract';
import type { PageToWorker, WorkerToPage } from './socket-worker';

export interface Transport {
  send(frame: ClientFrame): void;
  onFrame(fn: (f: ServerFrame) => void): void;
  /** Called with false when the link drops (and why, when the user must act) and true when it is back. */
  onLink(fn: (up: boolean, problem?: string) => void): void;
}

/**
 * Web mode: the WebSocket lives in a worker (see socket-worker.ts for why); frames arrive parsed.
 * The token comes from the URL fragment, so it is never sent to the server in the page request.
 */
export class WebSocketTransport implements Transport {
  private readonly worker: Worker;
  private frameFns: ((f: ServerFrame) => void)[] = [];
  private linkFns: ((up: boolean, problem?: string) => void)[] = [];

  constructor(url: string) {
    this.worker = new Worker(new URL('./socket-worker.ts', import.meta.url), { type: 'module', name: 'backend socket' });
    this.worker.onmessage = (e: MessageEvent<WorkerToPage>) => {
      const m = e.data;
      if (m.type === 'frame') for (const fn of this.frameFns) fn(m.frame);
      else for (const fn of this.linkFns) fn(m.up, m.problem);
    };
    this.post({ type: 'open', url });
  }

  private post(m: PageToWorker): void {
    this.worker.postMessage(m);
  }

  send(frame: ClientFrame): void {
    this.post({ type: 'send', data: JSON.stringify(frame) });
  }

  onFrame(fn: (f: ServerFrame) => void): void {
    this.frameFns.push(fn);
  }

  onLink(fn: (up: boolean, problem?: string) => void): void {
    this.linkFns.push(fn);
  }
}

/** Electron: the preload hands the main world one MessagePort, posted as 'nsd-port'. */
export class PortTransport implements Transport {
  private frameFns: ((f: ServerFrame) => void)[] = [];

  constructor(private readonly port: MessagePort) {
    port.onmessage = (e) => {
      const f = JSON.parse(e.data as string) as ServerFrame; // the hub passes the agent's JSON text through
      for (const fn of this.frameFns) fn(f);
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
