import { describe, expect, it } from 'vitest';
import { FLOOD_IN_XTERM, flooding, interrupt, newOutputState, receive } from '../../renderer/src/terminals/output-queue';
import type { TerminalTab } from '../../renderer/src/terminals/terminal-tab';

// Whether a tab's output counts as a flood decides how often it is drawn (20 a second, not on
// every frame). A flood of lines often fits in what xterm may hold, so the queue beyond it is
// empty: xterm's own backlog must count too.
function tabWithSlowXterm() {
  const pending: (() => void)[] = [];
  const term = { options: { screenReaderMode: false }, write: (_d: string, done: () => void) => pending.push(done) };
  const tab = { term, out: newOutputState(), written: 0, acked: 0 } as unknown as TerminalTab;
  const finishAll = () => { while (pending.length) pending.shift()!(); };
  return { tab, pending, finishAll };
}

describe('a flood is drawn paced, the prompt after it at once', () => {
  it('counts output xterm still holds as a flood even when nothing waits beyond it', () => {
    const { tab, finishAll } = tabWithSlowXterm();
    receive(tab, 'x'.repeat(64_000), () => undefined);
    expect(tab.out.queue).toHaveLength(0); // all handed to xterm
    expect(flooding(tab.out)).toBe(true);
    finishAll();
    expect(flooding(tab.out)).toBe(false);
  });

  it('does not count an echo or a prompt as a flood', () => {
    const { tab } = tabWithSlowXterm();
    receive(tab, 'ls\r\n', () => undefined);
    receive(tab, 'root@web:~# ', () => undefined);
    expect(tab.out.inXterm).toBeLessThan(FLOOD_IN_XTERM);
    expect(flooding(tab.out)).toBe(false);
  });

  it('after a Ctrl-C the prompt is not paced once the flood xterm held is drawn', () => {
    const { tab, finishAll } = tabWithSlowXterm();
    for (let i = 0; i < 6; i++) receive(tab, 'y\n'.repeat(32_000), () => undefined);
    expect(tab.out.queue.length).toBeGreaterThan(0);
    interrupt(tab, () => undefined);
    expect(tab.out.queue).toHaveLength(0);
    expect(flooding(tab.out)).toBe(true); // what xterm already holds is still drawn paced
    finishAll();
    tab.out.discarding = false; // the backend's marker came back
    receive(tab, '^C\r\nroot@web:~# ', () => undefined);
    expect(flooding(tab.out)).toBe(false);
  });
});
