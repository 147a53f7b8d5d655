// The header's display settings: options most people never change, kept out of the way.
import { ActionIcon, Popover, Stack, Switch, Text } from '@mantine/core';

export function DisplaySettingsButton({ screenReader, onScreenReader }: { screenReader: boolean; onScreenReader(on: boolean): void }) {
  return (
    <Popover position="bottom-end" withArrow trapFocus>
      <Popover.Target>
        <ActionIcon variant="default" size="md" aria-label="Display settings" title="Display settings">
          <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.5">
            <path d="M2 4h7M12 4h2M2 12h2M7 12h7" /><circle cx="10.5" cy="4" r="1.5" /><circle cx="5.5" cy="12" r="1.5" />
          </svg>
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={4} maw={280}>
          <Switch label="Screen reader mode" checked={screenReader} onChange={(e) => onScreenReader(e.currentTarget.checked)} />
          <Text fz="xs">Mirrors terminal text into the accessibility tree, where screen readers read it.</Text>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
