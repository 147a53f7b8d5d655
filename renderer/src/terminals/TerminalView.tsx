// Shows one tab's xterm: attaches its element, fits it, WebGL while visible, theme from the app.
import { shortcutOf } from '../keyboard/shortcuts';
import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Group, Loader, Text, TextInput, useComputedColorScheme } from '@mantine/core';
import { WebglAddon } from '@xterm/addon-webgl';
import type { TerminalRegistry, TerminalTab } from './registry';
import { paceRendering, skipEmptySelectionRedraw } from './xterm-internals';
import { FLOOD_FRAME_MS, flooding } from './output-queue';

const DARK = { background: '#1e1e1e', foreground: '#d4d4d4', cursor: '#d4d4d4', selectionBackground: '#264f78' };
const LIGHT = { background: '#ffffff', foreground: '#1e1e1e', cursor: '#1e1e1e', selectionBackground: '#add6ff' };

let hasHardwareWebgl: boolean | undefined;
function hardwareWebgl(): boolean {
  if (hasHardwareWebgl === undefined) {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    hasHardwareWebgl = !!gl && !/swiftshader|llvmpipe|software/i.test(renderer);
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
  }
  return hasHardwareWebgl;
}

export function TerminalView({ tab, registry, popout = false }: { tab: TerminalTab; registry: TerminalRegistry; popout?: boolean }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const scheme = useComputedColorScheme('dark');
  const [query, setQuery] = useState('');
  const [title, setTitle] = useState(tab.title);
  // The title can change from outside (a pop-out learns its machine after taking over).
  useEffect(() => setTitle(tab.title), [tab.title]);

  useEffect(() => {
    tab.term.options.theme = scheme === 'dark' ? DARK : LIGHT;
    if (hostRef.current) hostRef.current.style.background = (scheme === 'dark' ? DARK : LIGHT).background;
  }, [scheme, tab]);

  useEffect(() => {
    const host = hostRef.current!;
    host.appendChild(tab.element);
    if (!tab.opened) {
      tab.term.open(tab.element);
      skipEmptySelectionRedraw(tab.term);
      tab.drawNow = paceRendering(tab.term, () => flooding(tab.out), FLOOD_FRAME_MS);
      tab.opened = true;
      tab.term.attachCustomKeyEventHandler((e) => {
        // The app's shortcuts are the window's (App.tsx), never the shell's: not on keydown, nor
        // on the keypress/keyup that follow it.
        if (shortcutOf(e, true)) return false;
        if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
        if (e.code === 'KeyC') {
          void navigator.clipboard?.writeText(tab.term.getSelection());
          return false;
        }
        // Ctrl+Shift+V: the browser's own paste event brings the text to xterm, once; xterm must
        // not also read the key (reading the clipboard here as well pasted twice).
        if (e.code === 'KeyV') return false;
        return true;
      });
    }
    let webgl: WebglAddon | undefined;
    try {
      // Software WebGL (SwiftShader, e.g. no GPU) is slower than xterm's DOM renderer.
      if (!hardwareWebgl()) throw new Error('no hardware WebGL');
      webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        webgl?.dispose();
        webgl = undefined;
      });
      tab.term.loadAddon(webgl);
    } catch {
      webgl = undefined; // no WebGL here: xterm's DOM renderer is the fallback
    }
    const fit = () => {
      try {
        tab.fit.fit();
      } catch {
        // not measurable while hidden
      }
    };
    fit();
    tab.term.focus();
    const ro = new ResizeObserver(fit);
    ro.observe(host);
    return () => {
      ro.disconnect();
      webgl?.dispose();
      if (tab.element.parentElement === host) host.removeChild(tab.element);
    };
  }, [tab]);

  return (
    <div style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
      <Group gap="xs" p={6} wrap="nowrap">
        <TextInput size="xs" aria-label="Tab name" value={title} w={180}
          onChange={(e) => setTitle(e.currentTarget.value)}
          onBlur={() => registry.rename(tab.key, title)}
          onKeyDown={(e) => { if (e.key === 'Enter') registry.rename(tab.key, title); }} />
        {!popout && <>
          <Button size="xs" variant="default" onClick={() => registry.move(tab.key, -1)}>Move left</Button>
          <Button size="xs" variant="default" onClick={() => registry.move(tab.key, 1)}>Move right</Button>
          <Button size="xs" variant="default" disabled={tab.status !== 'open'} onClick={() => void registry.popOut(tab.key)}
            title="Move this session into a window of its own">Pop out</Button>
        </>}
        <TextInput size="xs" aria-label="Search in terminal" placeholder="Search…" value={query} w={200}
          onChange={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              if (e.shiftKey) tab.search.findPrevious(query);
              else tab.search.findNext(query);
            }
          }} />
        {tab.status === 'ended' && <Button size="xs" onClick={() => void registry.connect(tab)}>Reconnect</Button>}
        {popout ? <>
          {/* Closing the window any way returns a running session to the main window. */}
          <Button size="xs" variant="default" ml="auto" onClick={() => window.close()}
            title="Close this window; the session goes back to a tab in the main window">Back to main window</Button>
          <Button size="xs" variant="light" color="red" onClick={() => void registry.close(tab.key).then(() => window.close())}>End session</Button>
        </> : (
          <Button size="xs" variant="light" color="red" ml="auto" onClick={() => void registry.close(tab.key)}>Close tab</Button>
        )}
      </Group>
      {tab.status === 'ended' && (
        <Alert color="yellow" py={6} mx={6} mb={6} role="status" title="Session ended">{tab.endReason}</Alert>
      )}
      {tab.status === 'connecting' && !tab.backendId && (
        <Group gap="xs" px={8} pb={6} role="status">
          <Loader size="xs" />
          <Text fz="sm">Opening a shell on {tab.machine}… a container that is still booting is waited for (up to a minute).</Text>
        </Group>
      )}
      <div style={{ position: 'relative', flex: 1, minHeight: 0 }}>
        <div ref={hostRef} className="nsd-term-host" role="region" aria-label={`Terminal ${tab.title}`} />
      </div>
    </div>
  );
}
