import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/command';
import { engineRequestOption, initEngineFromOptions } from '../../src/cli/engine-option';
import { defaultEngineRequest } from '../../src/engine';

test('--engine accepts engine names in any case and rejects others naming the flag', () => {
  assert.equal(engineRequestOption({ engine: 'WASM' }), 'wasm');
  assert.equal(engineRequestOption({ engine: 'auto' }), 'auto');
  assert.throws(
    () => engineRequestOption({ engine: 'gpu' }),
    (err: unknown) =>
      err instanceof UsageError && /--engine must be one of .*"gpu"/.test(err.message),
  );
});

test('without --engine, SUPERNET_LAB_ENGINE decides; a bad value names the variable', () => {
  const saved = process.env.SUPERNET_LAB_ENGINE;
  try {
    process.env.SUPERNET_LAB_ENGINE = 'cpu';
    assert.equal(engineRequestOption({}), 'cpu');
    assert.equal(defaultEngineRequest(), 'cpu');
    delete process.env.SUPERNET_LAB_ENGINE;
    assert.equal(engineRequestOption({}), 'auto');
    process.env.SUPERNET_LAB_ENGINE = 'quantum';
    assert.throws(() => engineRequestOption({}), /SUPERNET_LAB_ENGINE value "quantum"/);
  } finally {
    if (saved === undefined) delete process.env.SUPERNET_LAB_ENGINE;
    else process.env.SUPERNET_LAB_ENGINE = saved;
  }
});

test('an engine that cannot run becomes a usage error saying why', async () => {
  let installed = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    installed = false;
  }
  if (installed) return;
  await assert.rejects(
    initEngineFromOptions({ engine: 'tensorflow' }),
    (err: unknown) =>
      err instanceof UsageError &&
      /--engine: engine 'tensorflow' is not available/.test(err.message),
  );
});
