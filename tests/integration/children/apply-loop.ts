// A real backend in its own process, applying db's host addresses back and forth until it is
// killed; the fault test kills it with SIGKILL at random moments. Prints one line per apply.
import { Backend } from '../../../agent/backend';
import { Dispatcher } from '../../../agent/dispatcher';
import { sandboxHost } from '../../../agent/host';
import type { NetworkView } from '../../../shared/contract';

// Both add an address to the store file's, so each is a drop-in of its own content.
export const VARIANTS = [['fc42::1/64', '192.168.42.1/24', '192.168.50.1/24'], ['fc42::1/64', '192.168.42.1/24', '192.168.43.1/24']];

async function main(): Promise<void> {
  const backend = new Backend(sandboxHost(process.argv[2]));
  await backend.start();
  const d = new Dispatcher(backend.handlers('loop'));
  for (let i = 0; ; i++) {
    const g = await d.dispatch('network.get', { name: 'db' });
    if (!g.ok) throw new Error(g.error.message);
    const v = g.result as NetworkView;
    const r = await d.dispatch('network.apply', {
      name: 'db', host: { ...v.host.values, addresses: VARIANTS[i % 2] }, tags: { ...v.host.tags, ...v.container.tags },
    });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    process.stdout.write(`applied ${i}\n`);
  }
}

if (process.argv[2]) {
  main().catch((e) => {
    process.stderr.write(`apply-loop: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
