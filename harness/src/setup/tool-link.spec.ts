import { mkdtempSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkTool } from './tool-link';

describe('linkTool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tool-link-'));

  it('links relatively inside the tools tree and absolutely outside it', () => {
    const inside = join(dir, 'venv', 'envoy');
    const outside = join(mkdtempSync(join(tmpdir(), 'cache-')), 'consul');
    linkTool(inside, join(dir, 'bin', 'envoy'));
    linkTool(outside, join(dir, 'bin', 'consul'));
    expect(readlinkSync(join(dir, 'bin', 'envoy'))).toBe('../venv/envoy');
    expect(readlinkSync(join(dir, 'bin', 'consul'))).toBe(outside);
  });

  it('replaces an existing link', () => {
    const first = join(dir, 'a');
    const second = join(dir, 'b');
    writeFileSync(first, '1');
    writeFileSync(second, '2');
    linkTool(first, join(dir, 'bin', 'tool'));
    linkTool(second, join(dir, 'bin', 'tool'));
    expect(realpathSync(join(dir, 'bin', 'tool'))).toBe(realpathSync(second));
  });
});
