import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPtb, PTB_EOS } from '../../src/data';
import { missing, ptbDir, tmpDir } from './helpers';

test(
  'Penn Treebank valid/test: 73760 and 82430 tokens with <eos> (the standard counts)',
  { skip: missing(ptbDir) },
  () => {
    const c = loadPtb(ptbDir);
    assert.equal(c.splits.train, undefined);
    assert.equal(c.splits.valid?.length, 73760);
    assert.equal(c.splits.test?.length, 82430);
    // Vocabulary of the two files together (python: len(set(tokens))).
    assert.equal(c.vocab.length, 7596);
    const firstLine = fs
      .readFileSync(path.join(ptbDir, 'ptb.valid.txt'), 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/);
    const decoded = Array.from(
      (c.splits.valid as Int32Array).subarray(0, firstLine.length + 1),
      (id) => c.vocab[id],
    );
    assert.deepEqual(decoded, [...firstLine, PTB_EOS]);
    assert.throws(
      () => loadPtb(ptbDir, { require: ['train'] }),
      /train file not found: .*ptb\.train\.txt/,
    );
  },
);

test('PTB tokenisation: ids by first appearance over train, valid, test; empty lines give <eos>', () => {
  const dir = tmpDir('ptb');
  try {
    fs.writeFileSync(path.join(dir, 'ptb.train.txt'), ' the cat \n\n a cat\n');
    fs.writeFileSync(path.join(dir, 'ptb.valid.txt'), ' the dog\n');
    fs.writeFileSync(path.join(dir, 'ptb.test.txt'), ' <unk> cat');
    const c = loadPtb(dir);
    assert.deepEqual(c.vocab, ['the', 'cat', PTB_EOS, 'a', 'dog', '<unk>']);
    assert.deepEqual(Array.from(c.splits.train as Int32Array), [0, 1, 2, 2, 3, 1, 2]);
    assert.deepEqual(Array.from(c.splits.valid as Int32Array), [0, 4, 2]);
    assert.deepEqual(Array.from(c.splits.test as Int32Array), [5, 1, 2]);
    fs.writeFileSync(path.join(dir, 'ptb.test.txt'), '');
    assert.throws(() => loadPtb(dir), /ptb\.test\.txt: empty PTB file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
