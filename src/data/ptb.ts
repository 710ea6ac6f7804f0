/**
 * Penn Treebank, word level (Mikolov's preprocessed text: 10k vocabulary, `<unk>`, one sentence
 * a line), as used by DARTS: every line's words followed by `<eos>`; ids assigned in order of
 * first appearance over the files in the order train, valid, test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from './types';

export const PTB_EOS = '<eos>';
export const PTB_FILES = {
  train: 'ptb.train.txt',
  valid: 'ptb.valid.txt',
  test: 'ptb.test.txt',
} as const;
export type PtbSplit = keyof typeof PTB_FILES;

export interface PtbCorpus {
  /** Word of each id. */
  vocab: string[];
  wordToId: Map<string, number>;
  /** Token ids per split that was found (missing files are absent). */
  splits: Partial<Record<PtbSplit, Int32Array>>;
  /** Files read, per split. */
  files: Partial<Record<PtbSplit, string>>;
}

export interface PtbOptions {
  /** Splits that must exist (default: valid and test; the training file is large and optional). */
  require?: PtbSplit[];
}

/** Words of every line plus `<eos>` (a final newline does not start another line). */
function tokenize(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  for (const line of lines) {
    for (const w of line.split(/\s+/)) if (w !== '') out.push(w);
    out.push(PTB_EOS);
  }
  return out;
}

/** Reads ptb.{train,valid,test}.txt from `dir`. */
export function loadPtb(dir: string, options: PtbOptions = {}): PtbCorpus {
  const required = options.require ?? ['valid', 'test'];
  const vocab: string[] = [];
  const wordToId = new Map<string, number>();
  const splits: PtbCorpus['splits'] = {};
  const files: PtbCorpus['files'] = {};
  for (const split of ['train', 'valid', 'test'] as const) {
    const file = path.join(dir, PTB_FILES[split]);
    if (!fs.existsSync(file)) {
      if (required.includes(split)) {
        throw new DatasetError(`Penn Treebank ${split} file not found: ${file}`, file);
      }
      continue;
    }
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes('\0'))
      throw new DatasetError(`${file}: binary data in a PTB text file`, file);
    const tokens = tokenize(text);
    if (tokens.length === 0) throw new DatasetError(`${file}: empty PTB file`, file);
    const ids = new Int32Array(tokens.length);
    tokens.forEach((t, i) => {
      let id = wordToId.get(t);
      if (id === undefined) {
        id = vocab.length;
        vocab.push(t);
        wordToId.set(t, id);
      }
      ids[i] = id;
    });
    splits[split] = ids;
    files[split] = file;
  }
  return { vocab, wordToId, splits, files };
}
