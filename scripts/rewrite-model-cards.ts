/**
 * Rewrites the model card (README.md) of checkpoint folders from their own config.json (the card
 * generator, `modelCard`, changed; the weights and every other file stay as they are):
 *
 *   npx tsx scripts/rewrite-model-cards.ts models/warm-* models/infopo-warm
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parameterCount, modelCard } from '../src/engine';
for (const dir of process.argv.slice(2)) {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const m = cfg.infopo_sandbox;
  const shape = { vocabSize: cfg.vocab_size, dModel: cfg.n_embd, nLayers: cfg.n_layer, nHeads: cfg.n_head, maxContext: cfg.n_positions };
  const old = readFileSync(join(dir, 'README.md'), 'utf8');
  const notes = /\n(Converted from the legacy[^\n]*)\n/.exec(old)?.[1];
  const card = modelCard(shape, parameterCount(shape, shape.vocabSize), { notes, name: dir.split('/').pop()!, madeBy: m.made_by, fingerprint: m.fingerprint ?? undefined, createdAt: m.created_at ?? undefined, config: m.config, evaluations: m.evaluations, warmStartLoss: m.warm_start_loss });
  writeFileSync(join(dir, 'README.md'), card);
  console.log(dir, old === card ? 'unchanged' : 'rewritten');
}
