// The keyboard shortcuts, shown by F1, by ? outside a terminal, or by the header's button.
import { ActionIcon, Modal, Table, Text } from '@mantine/core';
import { SHORTCUT_HELP } from './shortcuts';

export function ShortcutsButton({ onOpen }: { onOpen(): void }) {
  return (
    <ActionIcon variant="default" size="md" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (F1)" onClick={onOpen}>?</ActionIcon>
  );
}

export function ShortcutsHelp({ opened, onClose }: { opened: boolean; onClose(): void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      <Table aria-label="Keyboard shortcuts">
        <Table.Thead><Table.Tr><Table.Th>Keys</Table.Th><Table.Th>Does</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {SHORTCUT_HELP.map((s) => (
            <Table.Tr key={s.keys}><Table.Td><Text fz="sm" ff="monospace">{s.keys}</Text></Table.Td><Table.Td><Text fz="sm">{s.what}</Text></Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text fz="xs" mt="sm">In a browser (web mode) the browser keeps Ctrl+Shift+T/W and Ctrl+PageUp/PageDown for its own tabs: use the Alt+Shift keys there.</Text>
    </Modal>
  );
}
