import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportFigure, exportFigures } from '../../src/plots/export';
import type { PlotlyFigure } from '../../src/plots/types';

const figure: PlotlyFigure = {
  data: [
    { type: 'scatter', mode: 'markers', x: [1, 2, 3, 4], y: [0.2, 0.5, 0.4, 0.9], name: 'a' },
    { type: 'bar', x: [1, 2, 3, 4], y: [0.1, 0.3, 0.2, 0.6], name: 'b' },
  ],
  layout: { title: { text: 'export test' } },
};

/** Parses the SVG with Python's XML parser (an independent oracle for well-formedness). */
function parseSvg(file: string): { tag: string; width: string; height: string; traces: number } {
  const script = [
    'import sys, json, xml.etree.ElementTree as ET',
    'r = ET.parse(sys.argv[1]).getroot()',
    "n = sum(1 for e in r.iter() if 'trace' in (e.get('class') or '').split())",
    "print(json.dumps({'tag': r.tag, 'width': r.get('width'), 'height': r.get('height'), 'traces': n}))",
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `SVG did not parse as XML: ${r.stderr}`);
  return JSON.parse(r.stdout) as { tag: string; width: string; height: string; traces: number };
}

test('exportFigures writes valid SVG, PNG and PDF files with one browser', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-lab-export-'));
  try {
    const [svg, png, pdf] = await exportFigures([
      { figure, file: path.join(dir, 'fig.svg'), options: { width: 700, height: 420 } },
      { figure, file: path.join(dir, 'fig.png'), options: { width: 640, height: 400, scale: 2 } },
      { figure, file: path.join(dir, 'fig.pdf'), options: { width: 800, height: 500 } },
    ]);

    const parsed = parseSvg(svg);
    assert.equal(parsed.tag, '{http://www.w3.org/2000/svg}svg');
    assert.equal(parsed.width, '700');
    assert.equal(parsed.height, '420');
    assert.equal(parsed.traces, 2, 'both data traces are drawn in the SVG');

    const bytes = fs.readFileSync(png);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
    assert.equal(bytes.readUInt32BE(16), 1280, 'PNG width = 640 px x scale 2');
    assert.equal(bytes.readUInt32BE(20), 800, 'PNG height = 400 px x scale 2');

    const doc = fs.readFileSync(pdf).toString('latin1');
    assert.match(doc.slice(0, 8), /^%PDF-1\.\d/);
    assert.match(doc.trimEnd().slice(-5), /%%EOF/);
    assert.equal((doc.match(/\/Type\s*\/Page\b/g) ?? []).length, 1, 'one page');
    const box = doc.match(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/);
    assert.ok(box, 'the page has a MediaBox');
    // 800 x 500 CSS px = 600 x 375 pt (1 px = 0.75 pt)
    assert.ok(Math.abs(Number(box[1]) - 600) < 1, `page width ${box[1]} pt`);
    assert.ok(Math.abs(Number(box[2]) - 375) < 1, `page height ${box[2]} pt`);
    assert.doesNotMatch(doc, /\/Subtype\s*\/Image/, 'the PDF is vector, not an embedded raster');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exportFigure rejects a file name without a known image format before starting Chromium', async () => {
  await assert.rejects(
    exportFigure(figure, path.join(os.tmpdir(), 'figure.gif')),
    /cannot tell the image format of ".*figure\.gif"/,
  );
  await assert.rejects(
    exportFigure(figure, path.join(os.tmpdir(), 'figure.svg'), { width: 0 }),
    /width must be between 10 and 10000/,
  );
});

test('a missing Chromium gives an error that names the path and CHROMIUM_PATH', async () => {
  const saved = process.env['CHROMIUM_PATH'];
  process.env['CHROMIUM_PATH'] = '/nonexistent/chromium-for-test';
  try {
    await assert.rejects(
      exportFigure(figure, path.join(os.tmpdir(), 'never-written.svg')),
      /Chromium not found at "\/nonexistent\/chromium-for-test" \(from CHROMIUM_PATH\)/,
    );
  } finally {
    if (saved === undefined) delete process.env['CHROMIUM_PATH'];
    else process.env['CHROMIUM_PATH'] = saved;
  }
});
