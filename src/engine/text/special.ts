/**
 * Special tokens of the dialogue format. Their ids are fixed (0..n-1) so a model checkpoint and
 * the code agree on them without reading the tokenizer.
 *
 *   <bos> <user> request words <eot> <agent> action words <eot> <user> feedback words <eot> <agent> ...
 *
 * Environment/tool observations use <env> instead of <user>.
 */
export const SPECIAL_TOKENS = ['<pad>', '<unk>', '<bos>', '<eot>', '<user>', '<agent>', '<env>'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];
export const PAD = 0;
export const UNK = 1;
export const BOS = 2;
export const EOT = 3;
export const USER = 4;
export const AGENT = 5;
export const ENV = 6;

/** The reference's counterfactual placeholder (docs/infopo.md §2). */
export const DEFAULT_PLACEHOLDER = 'No information found.';
