// Exposes only the transport: one MessagePort handed to the page, nothing else.
import { ipcRenderer } from 'electron';

ipcRenderer.once('nsd:port', (e) => {
  window.postMessage('nsd-port', window.location.origin === 'null' ? '*' : window.location.origin, e.ports);
});
ipcRenderer.send('nsd:port');
