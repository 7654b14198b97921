import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromiumRasterizer } from '../../../main/export/rasterize.js';
import { prepareSvg, renderSvg } from '../../../main/export/svg.js';
import { fixtureMap } from '../../support/export/fixture.js';

const OUT = 'test-results/export';
mkdirSync(OUT, { recursive: true });
const raster = new ChromiumRasterizer();
afterAll(() => raster.close());

function pngSize(png: Buffer): { width: number; height: number; colourType: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colourType: png[25] };
}

describe('SVG to PNG in headless Chromium', () => {
  const header = { title: 'Fixture city', lines: ['cluster kind-fixture', 'window'] };
  it('renders at scale 1 and 2 with the SVG size times the scale', async () => {
    const map = fixtureMap();
    const svg = renderSvg(map, { header });
    const { width, height } = prepareSvg(map, { header });
    const one = await raster.svgToPng(svg, { width, height, scale: 1, background: 'white' });
    const two = await raster.svgToPng(svg, { width, height, scale: 2, background: 'white' });
    writeFileSync(`${OUT}/fixture-city@1x.png`, one);
    writeFileSync(`${OUT}/fixture-city@2x.png`, two);
    expect(pngSize(one)).toMatchObject({ width, height });
    expect(pngSize(two)).toMatchObject({ width: width * 2, height: height * 2 });
  });
});
