// The Electron shell: locked-down windows, each with one MessagePort to the hub, which reaches the
// host's agent (a separate process: never D-Bus, ptys or file writes in Electron's main process).
import { app, BrowserWindow, ipcMain, MessageChannelMain, session, shell, type WebContents } from 'electron';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostRouter } from '../hub/host-router.js';
import { cliHostTargets, routerFromEnv } from '../hub/hosts-config.js';
import { isAppUrl, isPopoutUrl, portRequestAllowed } from './security.js';
import { CSP } from '../hub/csp.js';

const utf8 = new TextDecoder();
const indexPath = join(__dirname, '../renderer/index.html');
const indexUrl = pathToFileURL(indexPath).toString();
const PRELOAD = join(__dirname, 'preload.cjs');
const ICON = join(__dirname, '../../assets/icon.png');
let router: HostRouter | undefined;

/** The same guards on every page we create: the main window and pop-outs alike. */
function harden(wc: WebContents): void {
  wc.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, indexUrl)) e.preventDefault();
  });
  wc.on('will-attach-webview', (e) => e.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    // A terminal popped out: our own page with a one-time handoff token, locked down the same way.
    // Electron passes the opener's security preferences on; these restate the ones that matter.
    if (isPopoutUrl(url, indexUrl)) {
      const webPreferences = {
        contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false,
        spellcheck: false, disableBlinkFeatures: 'Auxclick', preload: PRELOAD,
      };
      return { action: 'allow', overrideBrowserWindowOptions: { width: 960, height: 640, icon: ICON, webPreferences } };
    }
    // Links from terminals open in the user's browser, never in a new app window.
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

app.on('web-contents-created', (_e, wc) => harden(wc));

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'nspawn desktop',
    icon: ICON,
    // Written out here (not built elsewhere) so electronegativity can read every flag.
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
      preload: PRELOAD,
    },
  });
  void win.loadFile(indexPath);
}

app.whenReady().then(async () => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  // NSD_HOSTS / NSD_SANDBOX choose the hosts (hub/hosts-config.ts); by default this machine's, as this user.
  // Packaged, the bundle is unpacked beside app.asar: the system's node runs it, and cannot read an asar.
  const agentDir = join(__dirname, '../agent').replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);
  router = routerFromEnv(process.env, agentDir, cliHostTargets(process.argv));
  await router.start();

  // The preload asks for its port; only our own page in a top-level frame gets one.
  ipcMain.on('nsd:port', (event) => {
    if (!portRequestAllowed(event.senderFrame, indexUrl)) return;
    const { port1, port2 } = new MessageChannelMain();
    // Frames cross the port as JSON text, as over web mode's socket: the hub passes them through.
    const client = router!.connect((json) => port1.postMessage(typeof json === 'string' ? json : utf8.decode(json)));
    port1.on('message', (e) => {
      if (!client.receive(JSON.stringify(e.data))) port1.close();
    });
    port1.on('close', () => client.close());
    port1.start();
    event.sender.once('destroyed', () => client.close());
    event.sender.postMessage('nsd:port', null, [port2]);
  });
  createWindow();
});

app.on('window-all-closed', () => {
  void router?.stop().finally(() => app.quit());
});
