// Tests of the web server's gate run a Backend in-process behind the ClientHub interface the hub's
// AgentLink implements, so they need no agent process.
import type { Backend } from '../agent/backend';
import type { ClientHub } from '../hub/agent-link';

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
