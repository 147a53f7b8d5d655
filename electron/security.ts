// Pure security policy of the Electron shell, kept apart so tests can check it without Electron.
export const APP_PROTOCOL_FILE = 'index.html';

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

/** The one sender that may get a backend port: our own page, in the top-level frame. */
export function portRequestAllowed(frame: { url: string; parent: unknown } | null | undefined, indexFileUrl: string): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url, indexFileUrl);
}

/** A terminal pop-out: our own page whose fragment carries only a one-time handoff token. */
export function isPopoutUrl(url: string, indexFileUrl: string): boolean {
  try {
    return isAppUrl(url, indexFileUrl) && /^#popout=[0-9a-f]{32}$/.test(new URL(url).hash);
  } catch {
    return false;
  }
}
