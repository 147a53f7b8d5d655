// xterm.js options of every shell tab; the benchmark's UI-limit baseline uses the same ones.
export const TERMINAL_OPTIONS = {
  allowProposedApi: true,
  scrollback: 10_000,
  cursorBlink: true,
  fontSize: 13,
  fontFamily: '"DejaVu Sans Mono", "Liberation Mono", ui-monospace, monospace',
} as const;
