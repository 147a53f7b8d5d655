// `npm start`: the Electron app where a display and the Electron binary exist, else web mode.
// Where this machine has no systemd-machined (and NSD_HOSTS or NSD_SANDBOX name none), it first boots the
// sandbox "default" — a development launcher, so product code never imports the sandbox tool.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { up } from '../sandbox/sandbox.js';
import { hasLocalMachined } from '../hub/launchers.js';

function electronBinary(): string | undefined {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown as string;
    return typeof p === 'string' && existsSync(p) ? p : undefined;
  } catch {
    return undefined; // the package throws when its binary was not downloaded
  }
}

async function main(): Promise<void> {
  const env = { ...process.env };
  if (!env.NSD_HOSTS && !env.NSD_SANDBOX && !hasLocalMachined()) {
    env.NSD_SANDBOX = 'default';
    process.stderr.write('no local systemd-machined here; using the sandbox "default" (bringing it up if needed)\n');
  }
  // Every sandbox host the hub will manage is brought up first (NSD_HOSTS=local,sandbox:a,...).
  const sandboxes = (env.NSD_HOSTS ?? (env.NSD_SANDBOX ? `sandbox:${env.NSD_SANDBOX}` : ''))
    .split(',').map((s) => s.trim()).filter((s) => s.startsWith('sandbox:')).map((s) => s.slice(8).split('@')[0]);
  for (const name of sandboxes) await up({ name, extraGuests: 0, nixos: env.NSD_SANDBOX_NIXOS === '1' });
  const hasDisplay = !!(env.DISPLAY || env.WAYLAND_DISPLAY);
  const bin = hasDisplay ? electronBinary() : undefined;
  const [cmd, args] = bin ? [bin, ['.', ...process.argv.slice(2)]] : ['npx', ['tsx', 'hub/web-main.ts', ...process.argv.slice(2)]];
  if (!bin) process.stderr.write(`${hasDisplay ? 'Electron binary not installed' : 'no display'}: starting web mode\n`);
  const child = spawn(cmd, args, { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 1));
}

main().catch((e: unknown) => {
  process.stderr.write(`nspawn-desktop: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
