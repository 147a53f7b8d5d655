// `npm start`: the Electron app where a display and the Electron binary exist, else web mode.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

function electronBinary(): string | undefined {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown as string;
    return typeof p === 'string' && existsSync(p) ? p : undefined;
  } catch {
    return undefined; // the package throws when its binary was not downloaded
  }
}

const hasDisplay = !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const bin = hasDisplay ? electronBinary() : undefined;
const [cmd, args] = bin
  ? [bin, ['.']]
  : ['npx', ['tsx', 'electron/backend/web/main.ts', ...process.argv.slice(2)]];
if (!bin) process.stderr.write(`${hasDisplay ? 'Electron binary not installed' : 'no display'}: starting web mode\n`);
const child = spawn(cmd, args, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 1));
