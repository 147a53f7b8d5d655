// The host an agent runs on, as it sees it: its own / and its own system bus. The hub tells the
// agent how people call the host (NSD_HOST_LABEL, NSD_HOST_KIND); nothing here reaches another host.

export interface Host {
  label: string;
  kind: 'local' | 'sandbox';
  busAddress: string;
  /** One run of an agent (see HostInfo.epoch). */
  epoch?: string;
}

export const LOCAL_BUS = 'unix:path=/run/dbus/system_bus_socket';

export function localHost(epoch?: string): Host {
  const kind = process.env.NSD_HOST_KIND === 'sandbox' ? 'sandbox' : 'local';
  return { label: process.env.NSD_HOST_LABEL ?? 'localhost', kind, busAddress: process.env.DBUS_SYSTEM_BUS_ADDRESS ?? LOCAL_BUS, epoch };
}
