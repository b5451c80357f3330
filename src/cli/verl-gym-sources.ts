/** The gym package's Python sources (verl-gym/ at the repository root), read for the verl export: path in the package -> text. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const VERL_GYM_DIR = resolve(import.meta.dirname, '../../verl-gym');

/** Every file of verl-gym/ (no caches, no generated tables or fixtures), by its path inside the package. */
export function verlGymSources(dir = VERL_GYM_DIR): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (name.startsWith('.') || name === '__pycache__' || name.endsWith('.pyc') || name === 'tables.json' || name === 'fixtures.json' || name.endsWith('.egg-info')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p).split('\\').join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  if (!out['infopo_sandbox_gym/__init__.py']) throw new Error(`verl gym sources not found in ${dir}`);
  return out;
}
