// The Electron shell: one locked-down window and one MessagePort to the in-process backend.
// Everything else lives in electron/backend/ (which never imports electron).
import { app, BrowserWindow, ipcMain, MessageChannelMain, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Backend } from './backend/app.js';
import { hostFromEnv } from './backend/host.js';
import { isAppUrl, portRequestAllowed } from './security.js';
import { CSP } from './backend/web/server.js';

const indexPath = join(__dirname, '../renderer/index.html');
const indexUrl = pathToFileURL(indexPath).toString();
let backend: Backend | undefined;

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'nspawn desktop',
    icon: join(__dirname, '../../assets/icon.png'),
    // Written out here (not spread from a constant) so electronegativity can read every flag.
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      // Middle-click would open links in new windows outside setWindowOpenHandler's reach.
      disableBlinkFeatures: 'Auxclick',
      preload: join(__dirname, 'preload.cjs'),
    },
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, indexUrl)) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links from terminals open in the user's browser, never in a new app window.
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadFile(indexPath);
}

app.whenReady().then(async () => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  backend = new Backend(hostFromEnv());
  await backend.start();

  // The preload asks for its port; only our own page in a top-level frame gets one.
  ipcMain.on('nsd:port', (event) => {
    if (!portRequestAllowed(event.senderFrame, indexUrl)) return;
    const { port1, port2 } = new MessageChannelMain();
    const client = backend!.connect((f) => port1.postMessage(f));
    port1.on('message', (e) => void client.receive(e.data));
    port1.on('close', () => client.close());
    port1.start();
    event.sender.once('destroyed', () => client.close());
    event.sender.postMessage('nsd:port', null, [port2]);
  });
  createWindow();
});

app.on('window-all-closed', () => {
  void backend?.stop().finally(() => app.quit());
});
