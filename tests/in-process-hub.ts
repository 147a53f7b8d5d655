// Tests of the web server's gate run a Backend in-process behind the ClientHub interface the hub's
// AgentLink implements, so they need no agent process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../agent/backend';
import type { ClientHub } from '../hub/host-router';

/** A backend that is never started (the web gate and host.info need no bus) and a static dir. */
export function webGateFixture(): { backend: Backend; staticDir: string } {
  const staticDir = mkdtempSync(join(tmpdir(), 'nsd-web-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  return { backend: new Backend({ label: 'test', kind: 'local', busAddress: 'unix:path=/nonexistent' }), staticDir };
}

export function inProcessHub(backend: Backend): ClientHub {
  return {
    connect(send) {
      const c = backend.connect((f) => send(JSON.stringify(f)));
      return {
        receive(json) {
          let frame: unknown;
          try {
            frame = JSON.parse(json);
          } catch {
            return false;
          }
          void c.receive(frame);
          return true;
        },
        close: () => c.close(),
      };
    },
  };
}
