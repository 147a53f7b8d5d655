// Pure security policy of the Electron shell, kept apart so tests can check it without Electron.
export const APP_PROTOCOL_FILE = 'index.html';

export const WINDOW_WEB_PREFERENCES = {
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
} as const;

/** The only page the window may show: our own index.html from the app bundle. */
export function isAppUrl(url: string, indexFileUrl: string): boolean {
  try {
    const u = new URL(url);
    const ours = new URL(indexFileUrl);
    return u.protocol === 'file:' && u.pathname === ours.pathname;
  } catch {
    return false;
  }
}
