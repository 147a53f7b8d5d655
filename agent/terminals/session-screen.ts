// The screen of a terminal session for a window that re-attaches (page reload, dropped socket):
// the session's recent output is replayed into a headless xterm and serialized, so the window gets
// a screen — alternate screen, modes and colours included — instead of raw bytes to re-parse.
// Built only when asked: parsing every byte as it passes (VS Code's way) cost about a third of the
// terminal throughput on a 2-core machine. A mode set before the replayed window is not restored.
import { Terminal } from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';

const SCROLLBACK = 1000;

/** Replays `output` (whole chunks as the pty gave them) and returns the screen as escape sequences. */
export async function screenOf(output: string, cols: number, rows: number): Promise<string> {
  const term = new Terminal({ cols, rows, scrollback: SCROLLBACK, allowProposedApi: true });
  const serializer = new SerializeAddon();
  term.loadAddon(serializer);
  try {
    await new Promise<void>((r) => term.write(output, r));
    return serializer.serialize({ scrollback: SCROLLBACK });
  } finally {
    term.dispose();
  }
}
