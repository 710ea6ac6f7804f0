// `supernet-lab space` for the NAS-Bench-101 subspace, DARTS, DARTS-PTB and ProxylessNAS spaces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { SPACE_NAMES, spaceBinding } from '../../src/supernet/registry';
import { repoRoot } from './helpers';

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'src/cli/run.ts'), ...args],
    { cwd: repoRoot, encoding: 'utf8' },
  );
}

test('the four spaces are registered under their CLI names', () => {
  for (const name of ['nb101', 'darts', 'darts-ptb', 'proxyless']) {
    assert.equal(spaceBinding(name).searchSpace.name, name);
    assert.ok(SPACE_NAMES.includes(name));
  }
});

test('space --count: seed numbers; counts beyond 2^53 are decimal strings', () => {
  const counts = (space: string) => {
    const r = cli('space', '--space', space, '--count');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, number | string>;
  };
  assert.deepEqual(counts('nb101'), { total: 874800, valid: 95985, unique: 42228 });
  assert.deepEqual(counts('darts'), {
    total: '275647219316498534400',
    valid: '275647219316498534400',
  });
  assert.deepEqual(counts('darts-ptb'), { total: 2642411520, valid: 2642411520, unique: 9345761 });
  const p = counts('proxyless');
  assert.equal(p.total, '221502229807900608');
});

test('space --arch describes a DARTS genotype on a chosen skeleton; bad input exits 2 naming it', () => {
  const v2 =
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";
  const r = cli('space', '--space', 'darts', '--arch', v2);
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.space, 'darts');
  assert.equal(d.arch, v2);
  assert.equal(d.params, 3349342);
  const small = JSON.parse(
    cli('space', '--space', 'darts', '--arch', v2, '--channels', '16', '--cells', '8').stdout,
  );
  assert.deepEqual([small.skeleton.channels, small.skeleton.layers], [16, 8]);
  const bad = v2.replace("('dil_conv_3x3', 2)", "('none', 2)");
  const e = cli('space', '--space', 'darts', '--arch', bad);
  assert.equal(e.status, 2);
  assert.match(e.stderr, /'none' is a candidate of the continuous relaxation only/);
  assert.ok(e.stderr.includes(JSON.stringify(bad)));
});

test('space --arch for ProxylessNAS reports FLOPs and the 600M filter', () => {
  const gpu =
    'k5e3,skip,skip,skip,k7e3,skip,skip,k3e3,k7e6,skip,skip,k5e3,k5e6,skip,k3e3,k5e3,k7e6,k7e6,k7e6,k5e6,k7e6';
  const r = cli('space', '--space', 'proxyless', '--arch', gpu);
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.flops, 465260160);
  assert.equal(d.withinFlopsLimit, true);
  assert.match(d.arch, /^5x5_MBConv3,skip,/);
});
