// The host an agent runs on, as it sees it: its own / and its own system bus. The hub tells the
// agent how people call the host (--label/--kind, or NSD_HOST_LABEL/NSD_HOST_KIND: pkexec and
// setpriv clear the environment); nothing here reaches another host.
import { parseArgs } from 'node:util';

export interface Host {
  label: string;
  kind: 'local' | 'sandbox' | 'ssh';
  busAddress: string;
  /** One run of an agent (see HostInfo.epoch). */
  epoch?: string;
}

export const LOCAL_BUS = 'unix:path=/run/dbus/system_bus_socket';

export function localHost(epoch?: string): Host {
  const kind = process.env.NSD_HOST_KIND === 'sandbox' ? 'sandbox' : 'local';
  return { label: process.env.NSD_HOST_LABEL ?? 'localhost', kind, busAddress: process.env.DBUS_SYSTEM_BUS_ADDRESS ?? LOCAL_BUS, epoch };
}

export interface AgentOptions {
  host: Host;
  /** The pty host to use: the limited agent's, when this admin agent takes over its host. */
  ptySocket?: string;
}

export function agentOptions(argv: string[], env: NodeJS.ProcessEnv): AgentOptions {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: { label: { type: 'string' }, 'label-hex': { type: 'string' }, kind: { type: 'string' }, 'pty-socket': { type: 'string' } },
  });
  const base = localHost();
  // --label-hex: over SSH the arguments pass through a remote shell, which never reads hex.
  const fromHex = values['label-hex'] && /^(?:[0-9a-f]{2}){1,100}$/.test(values['label-hex']) ? Buffer.from(values['label-hex'], 'hex').toString('utf8') : undefined;
  const label = (fromHex ?? values.label ?? env.NSD_HOST_LABEL ?? base.label).slice(0, 100);
  const k = values.kind ?? env.NSD_HOST_KIND;
  const kind = k === 'sandbox' || k === 'ssh' ? k : 'local';
  const ptySocket = values['pty-socket']?.startsWith('/') ? values['pty-socket'] : undefined;
  return { host: { ...base, label, kind }, ptySocket };
}
