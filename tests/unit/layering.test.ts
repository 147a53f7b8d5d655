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
  });

  it('keeps the backend free of electron', async () => {
    expect(await restricted('electron/backend/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toContain('no-restricted-imports');
    expect(await restricted('electron/main.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('keeps the renderer away from Node and the bus', async () => {
    expect(await restricted('renderer/src/x.ts', "import { spawn } from 'node:child_process';\nexport const a = spawn;\n")).toContain('no-restricted-imports');
    expect(await restricted('renderer/src/x.ts', "import dbus from 'dbus-next';\nexport const a = dbus;\n")).toContain('no-restricted-imports');
  });
});
