// The lint rules that keep the house standing must be able to fail: an
// upward import from the ground floor, a detector reaching into alerts or the
// CLI, bench code importing tests, and an import cycle are each reported.
import { ESLint } from 'eslint';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Type-aware rules need the file inside the TS project; a virtual probe file
// is not, so those (unrelated) rules are switched off for the probes.
function linter(opts: { ignore?: boolean } = {}): ESLint {
  return new ESLint({
    cwd: ROOT,
    ignore: opts.ignore ?? true,
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false, project: null } },
      rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
    },
  });
}

async function rulesHit(code: string, file: string): Promise<string[]> {
  const [result] = await linter().lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('lint floors', () => {
  it.each([
    ['src/core/probe.ts', "import { buildProgram } from '../cli/main.ts';\nexport const x = buildProgram;\n"],
    ['src/core/store/probe.ts', "import type { Config } from '../../config/schema.ts';\nexport type X = Config;\n"],
    ['detectors/probe.ts', "import type { AlertsConfig } from '../alerts/config.ts';\nexport type X = AlertsConfig;\n"],
    ['detectors/drift/probe.ts', "import { buildJobs } from '../../src/scheduler/build-jobs.ts';\nexport const x = buildJobs;\n"],
    ['alerts/probe.ts', "import { runDrift } from '../detectors/drift/detector.ts';\nexport const x = runDrift;\n"],
    ['bench/probe.ts', "import { createIngestTopics } from '../test/integration/ingest/daemon.ts';\nexport const x = createIngestTopics;\n"],
    ['src/ingest/probe.ts', "import { predictionEvent } from '../../testkit/events.ts';\nexport const x = predictionEvent;\n"],
  ])('refuses the upward import in %s', async (file, code) => {
    expect(await rulesHit(code, file)).toContain('import-x/no-restricted-paths');
  });

  it('allows the downward imports the layout is built on', async () => {
    const hits = await rulesHit("import { DriftwatchError } from '../src/core/errors.ts';\nexport const x = DriftwatchError;\n", 'detectors/probe.ts');
    expect(hits).toEqual([]);
    const roof = await rulesHit("import { runDrift } from '../../detectors/drift/detector.ts';\nexport const x = runDrift;\n", 'src/scheduler/probe.ts');
    expect(roof).toEqual([]);
  });

  it('reports a two-file import cycle', async () => {
    const results = await linter({ ignore: false }).lintFiles([join(ROOT, 'test/fixtures/lint/cycle-a.ts')]);
    const rules = results.flatMap((r) => r.messages.map((m) => m.ruleId));
    expect(rules).toContain('import-x/no-cycle');
  });
});
