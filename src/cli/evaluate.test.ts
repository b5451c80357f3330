import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResults } from './evaluate';

const ROOT = resolve(import.meta.dirname, '..', '..');
const evaluate = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/evaluate.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('npm run evaluate', () => {
  it('--run of a folder it cannot use: one line that names the folder once, exit 2', () => {
    const missing = evaluate('--run', '/nonexistent');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe('--run /nonexistent: no such folder (expected the output folder of npm run experiment)');
    const dir = mkdtempSync(join(tmpdir(), 'infopo-evaluate-'));
    try {
      writeFileSync(join(dir, 'run.json'), '{"format": "infopo-sandbox/run@1"}');
      const bad = evaluate('--run', dir);
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim()).toMatch(new RegExp(`^--run ${dir}/run\\.json: Not a valid run\\.json: [^\\n]+$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('formats one persona as one table, several as success and return per persona', () => {
    const row = (persona: string, success: number) => ({ agent: 'oracle', persona, tasks: ['intent'], perTask: { intent: { success, return: success, turns: 2, maxTokens: 9 } } }) as unknown as Parameters<typeof formatResults>[0][number];
    expect(formatResults([row('cooperative', 0.5)]).split('\n')[2]).toBe('| intent | oracle |    0.50 |   0.50 |   2.0 |          9 |');
    const lm = { ...row('cooperative', 0.75), user: 'user-lm' };
    expect(formatResults([row('cooperative', 0.5), lm])).toMatch(/\| cooperative \| cooperative \/ user-lm \|\n[^\n]+\n\| intent \| oracle \| +0\.50 \| +0\.75 \|/);
    expect(formatResults([row('cooperative', 0.5), row('noisy', 0.25)])).toMatch(/Success \(test split\) per persona\n\n\| task +\| agent +\| cooperative \| noisy \|\n[^\n]+\n\| intent \| oracle \| +0\.50 \| +0\.25 \|/);
  });
});
