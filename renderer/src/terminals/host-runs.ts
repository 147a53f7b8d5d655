// What a host's status means for its shell tabs (the terminal registry acts on it). A status
// without epoch: the host's agent is down, and its shells wait in the host's pty host(s). The next
// status lists the pty hosts its agent serves (shared/terminal-ids): a tab whose pty host is still
// listed re-attaches; one whose pty host is not has lost its shell.
import type { HostInfo } from '../../../shared/contract';
import { epochsOf, prefixOfTerminal, ptyHostPrefix } from '../../../shared/terminal-ids';

export type TabFate =
  | { kind: 'keep' }
  | { kind: 'reattach' }
  | { kind: 'waiting'; reason: string }
  | { kind: 'ended'; reason: string };

export class HostRuns {
  private runs = new Map<string, { epoch?: string; access?: string; down: boolean }>();

  /** `host` reported `status`: the fate of a tab holding the terminal with a given id. */
  update(host: string, { epoch, access, label }: Pick<HostInfo, 'epoch' | 'access' | 'label'>): (terminalId: string) => TabFate {
    const before = this.runs.get(host);
    if (!epoch) {
      this.runs.set(host, { ...before, down: true });
      return () => ({ kind: 'waiting', reason: `the agent on ${label} is reconnecting…` });
    }
    this.runs.set(host, { epoch, access, down: false });
    if (!before?.epoch) return () => ({ kind: 'keep' });
    const served = new Set(epochsOf(epoch).map(ptyHostPrefix));
    const locked = before.access === 'admin' && access === 'limited';
    return (id) => {
      if (!served.has(prefixOfTerminal(id))) {
        return { kind: 'ended', reason: locked ? `this shell on ${label} ran with administrative access, which was locked` : `the shells on ${label} ended (its terminal process restarted)` };
      }
      return before.down ? { kind: 'reattach' } : { kind: 'keep' };
    };
  }
}
