import '@mantine/core/styles.css';
import '@xterm/xterm/css/xterm.css';
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './App';
import { PopoutApp } from './terminals/PopoutApp';
import { Client } from './transport/client';
import { PortTransport, WebSocketTransport, waitForElectronPort, type Transport } from './transport/transport';
import { ClientProvider } from './transport/context';
import { theme } from './ui/theme';

async function connect(): Promise<Transport | undefined> {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token) {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    return new WebSocketTransport(`${proto}://${location.host}/ws?token=${encodeURIComponent(token)}`);
  }
  const port = await waitForElectronPort();
  return port ? new PortTransport(port) : undefined;
}

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const transport = await connect();
  if (!transport) {
    root.render(
      <MantineProvider theme={theme} defaultColorScheme="auto">
        <main style={{ padding: 32 }}>
          <h1>No backend</h1>
          <p>Open the URL that <code>npm start</code> printed: it carries the access token after <code>#token=</code>.</p>
        </main>
      </MantineProvider>,
    );
    return;
  }
  const client = new Client(transport);
  const hash = new URLSearchParams(location.hash.slice(1));
  const popout = hash.get('popout');
  const popoutHost = hash.get('host');
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });
  root.render(
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="auto">
        <QueryClientProvider client={queryClient}>
          <ClientProvider client={client}>
            {popout && popoutHost ? <PopoutApp host={popoutHost} handoff={popout} /> : <App />}
          </ClientProvider>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
}

void boot();
