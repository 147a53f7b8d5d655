import { createTheme } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'blue',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  fontFamilyMonospace: '"DejaVu Sans Mono", "Liberation Mono", ui-monospace, monospace',
  defaultRadius: 'sm',
});
