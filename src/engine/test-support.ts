/** Set-up shared by the engine's tests (imported only by *.test.ts files). */
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import type { EnvironmentInfo } from './run';
import { loadTokenizer, type WordTokenizer } from './text/tokenizer';

/** The environment block a test run records. */
export const testEnvironment = (backend: string = 'cpu'): EnvironmentInfo => ({ backend, fallback_reason: null, adapter: null, runtime: 'vitest', versions: {}, started_at: '' });

/** The project's shipped tokenizer. */
export const shippedTokenizer = (): Promise<WordTokenizer> => loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../models') });

/** The cpu backend and the shipped tokenizer, for a beforeAll. */
export async function cpuWithTokenizer(): Promise<WordTokenizer> {
  await tf.setBackend('cpu');
  return shippedTokenizer();
}
