// The Content-Security-Policy of every page: web mode sends it as a header, the Electron shell
// sets it on every response. Its own module so the Electron main bundle does not pull in `ws`.
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // Mantine and xterm.js set inline styles
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');
