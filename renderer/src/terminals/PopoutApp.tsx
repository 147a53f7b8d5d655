// A terminal in a window of its own: takes over the session its tab offered, with the scrollback.
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useClient } from '../transport/context';
import { TerminalRegistry } from './registry';
import { TerminalView } from './TerminalView';

export function PopoutApp({ host, handoff }: { host: string; handoff: string }) {
  const client = useClient();
  const registry = useMemo(() => {
    const r = new TerminalRegistry(client);
    r.setScreenReader(localStorage.getItem('nsd.screenReader') === '1');
    return r;
  }, [client]);
  const snap = useSyncExternalStore(registry.subscribe, registry.getSnapshot);
  const started = useRef(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    // Once only (StrictMode runs effects twice in development; the token works once).
    if (started.current) return;
    started.current = true;
    // A reload must not try the spent token again.
    const params = new URLSearchParams(location.hash.slice(1));
    const title = params.get('title') ?? undefined;
    params.delete('popout');
    params.delete('host');
    params.delete('title');
    history.replaceState(null, '', `#${params.toString()}`);
    registry.adopt(host, handoff, title).catch((e: Error) => setError(e.message));
  }, [registry, host, handoff]);
  const tab = snap.tabs[0];
  useEffect(() => {
    if (tab) document.title = `${tab.title} — nspawn desktop`;
  }, [tab, tab?.title]);
  if (error) return <main style={{ padding: 24 }} role="alert">{error}</main>;
  if (!tab) return <main style={{ padding: 24 }} role="status">Taking over the session…</main>;
  return (
    <main style={{ display: 'flex', flexDirection: 'column', height: '100dvh' }}>
      <TerminalView tab={tab} registry={registry} popout />
    </main>
  );
}
