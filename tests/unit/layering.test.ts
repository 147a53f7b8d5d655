// The layering is enforced by lint; prove the rules bite on the files they guard.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function restricted(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: file });
  return r.messages.filter((m) => m.ruleId?.startsWith('no-restricted')).map((m) => m.ruleId!);
}

describe('layering lint rules', () => {
  it('keeps shared/ free of Node, DOM and electron', async () => {
    expect(await restricted('shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toContain('no-restricted-imports');
    expect(await restricted('shared/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toContain('no-restricted-imports');
    expect(await restricted('shared/x.ts', 'export const w = window.location;\n')).toContain('no-restricted-globals');
    expect(await restricted('shared/x.ts', "import { z } from 'zod';\nexport const s = z.string();\n")).toEqual([]);
    expect(await restricted('shared/x.ts', "import { log } from '../agent/proc.js';\nexport const a = log;\n")).toContain('no-restricted-imports');
  });

  it('keeps the agent free of electron, the hub and the sandbox tool', async () => {
    expect(await restricted('agent/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toContain('no-restricted-imports');
    expect(await restricted('agent/network/x.ts', "import { AgentLink } from '../../hub/agent-link.js';\nexport const a = AgentLink;\n")).toContain('no-restricted-imports');
    expect(await restricted('agent/x.ts', "import { up } from '../sandbox/sandbox.js';\nexport const a = up;\n")).toContain('no-restricted-imports');
    expect(await restricted('agent/network/x.ts', "import { z } from '../../shared/contract.js';\nexport const a = z;\n")).toEqual([]);
    expect(await restricted('electron/main.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('keeps the hub from importing the agent it runs, and the shell from both agent and sandbox', async () => {
    expect(await restricted('hub/x.ts', "import { Backend } from '../agent/backend.js';\nexport const a = Backend;\n")).toContain('no-restricted-imports');
    expect(await restricted('hub/x.ts', "import { up } from '../sandbox/sandbox.js';\nexport const a = up;\n")).toContain('no-restricted-imports');
    expect(await restricted('hub/x.ts', "import { AgentLink } from './agent-link.js';\nexport const a = AgentLink;\n")).toEqual([]);
    expect(await restricted('electron/main.ts', "import { Backend } from '../agent/backend.js';\nexport const a = Backend;\n")).toContain('no-restricted-imports');
    expect(await restricted('electron/main.ts', "import { AgentLink } from '../hub/agent-link.js';\nexport const a = AgentLink;\n")).toEqual([]);
  });

  it('keeps the renderer away from Node and the bus', async () => {
    expect(await restricted('renderer/src/x.ts', "import { spawn } from 'node:child_process';\nexport const a = spawn;\n")).toContain('no-restricted-imports');
    expect(await restricted('renderer/src/x.ts', "import dbus from 'dbus-next';\nexport const a = dbus;\n")).toContain('no-restricted-imports');
    expect(await restricted('renderer/src/x.ts', "import { CSP } from '../../hub/web-server';\nexport const a = CSP;\n")).toContain('no-restricted-imports');
    expect(await restricted('renderer/src/x.ts', "import { FLOW } from '../../shared/contract';\nexport const a = FLOW;\n")).toEqual([]);
  });
});
