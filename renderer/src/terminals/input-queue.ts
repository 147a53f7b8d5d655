// A tab's input on its way to the shell: large pastes go in pieces the backend accepts, one at a
// time and in order, and a failure is shown in the terminal instead of being dropped silently.
import { TERMINAL_WRITE_MAX_CHARS } from '../../../shared/contract';
import type { HostClient } from '../transport/client';
import type { TerminalTab } from './terminal-tab';

/** Splits input into pieces of at most TERMINAL_WRITE_MAX_CHARS, never inside a surrogate pair. */
export function splitInput(data: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < data.length;) {
    let end = Math.min(i + TERMINAL_WRITE_MAX_CHARS, data.length);
    const last = data.charCodeAt(end - 1);
    if (end < data.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(data.slice(i, end));
    i = end;
  }
  return out;
}

/** A piece of input; `interrupt`: it holds a Ctrl-C, and the backend drops output not yet sent. */
export interface InputPiece { data: string; interrupt?: true }

/** Sends a tab's queued input piece by piece, in order; a failure drops the rest and says so in the terminal. */
export async function sendInput(client: Pick<HostClient, 'call'>, tab: TerminalTab): Promise<void> {
  if (tab.sending) return;
  tab.sending = true;
  try {
    while (tab.input.length && tab.backendId) {
      const { data, interrupt } = tab.input[0];
      try {
        await client.call('terminal.write', { id: tab.backendId, data, ...(interrupt ? { interrupt } : {}) });
      } catch (e) {
        const lost = tab.input.reduce((n, d) => n + d.data.length, 0);
        tab.input = [];
        // An interrupt that never arrived brings no flush marker: stop dropping output.
        tab.out.discarding = false;
        tab.term.write(`\r\n\x1b[31m[${lost} characters of input were not sent: ${(e as Error).message}]\x1b[0m\r\n`);
        return;
      }
      tab.input.shift();
    }
  } finally {
    tab.sending = false;
  }
}

