// The hub's diagnostics go to stderr, one line each; tokens are never logged.
export function log(msg: string): void {
  process.stderr.write(`[nspawn-desktop hub] ${msg}\n`);
}
