import { createTheme } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'blue',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  fontFamilyMonospace: '"DejaVu Sans Mono", "Liberation Mono", ui-monospace, monospace',
  defaultRadius: 'sm',
});

/** Warning text on the page background: 6.4:1 on white, 8.2:1 on the dark background (Mantine's
 * orange.9 is 4.3:1, below AA). */
export const WARNING_TEXT = { color: 'light-dark(#a63c06, #ffa94d)' } as const;
