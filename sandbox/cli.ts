// `npm run sandbox:up|down|status|prepare -- [--name N] [--guests N] [--nixos]`
import { parseArgs } from 'node:util';
import { down, status, up } from './sandbox.js';
import { ensureHostPackages, ensureRootfs } from './rootfs.js';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string', default: process.env.NSD_SANDBOX ?? 'default' },
      guests: { type: 'string', default: '0' },
      nixos: { type: 'boolean', default: false },
    },
  });
  const cmd = positionals[0];
  const name = values.name!;
  if (cmd === 'up') {
    const extra = Number(values.guests);
    if (!Number.isInteger(extra) || extra < 0 || extra > 50) throw new Error('--guests must be 0..50');
    const s = await up({ name, extraGuests: extra, nixos: values.nixos! });
    const t = s.timings ?? {};
    process.stderr.write(`[sandbox] up in ${((t.total ?? 0) / 1000).toFixed(1)} s ${JSON.stringify(t)}\n`);
    process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    return 0;
  }
  if (cmd === 'down') {
    const r = await down(name);
    process.stderr.write(`[sandbox] ${r.wasRunning ? `stopped ${name}` : `${name} was not running`} in ${(r.ms / 1000).toFixed(1)} s\n`);
    return 0;
  }
  if (cmd === 'prepare') {
    // Once before sandboxes boot side by side (the tests), so that they do not each build it.
    await ensureHostPackages();
    const r = await ensureRootfs();
    process.stderr.write(`[sandbox] rootfs ${r.built ? 'built' : 'cached'} at ${r.path}\n`);
    return 0;
  }
  if (cmd === 'status') {
    const s = await status(name);
    if (!s) {
      process.stderr.write(`sandbox ${name} is not running (start it with: npm run sandbox:up)\n`);
      return 3;
    }
    process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    return 0;
  }
  process.stderr.write('usage: sandbox up|down|status|prepare [--name NAME] [--guests N] [--nixos]\n');
  return 2;
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
