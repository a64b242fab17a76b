import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFileWatcher } from './config-file-watcher';

function nextChange(watcherFor: (onChange: () => void) => ConfigFileWatcher, act: () => void, deadlineMs = 3000): Promise<number> {
  return new Promise((resolve, reject) => {
    let calls = 0;
    const watcher = watcherFor(() => {
      calls++;
      // Let any straggling events of the same save arrive before counting.
      setTimeout(() => {
        watcher.stop();
        resolve(calls);
      }, 200);
    });
    watcher.start();
    act();
    setTimeout(() => {
      watcher.stop();
      reject(new Error(`no change reported within ${deadlineMs} ms`));
    }, deadlineMs).unref();
  });
}

describe('ConfigFileWatcher', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-watch-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports an in-place write once, however many events it raises', async () => {
    const file = join(dir, 'mesh.config.ts');
    writeFileSync(file, 'a');
    const calls = await nextChange(
      (onChange) => new ConfigFileWatcher(file, onChange),
      () => {
        writeFileSync(file, 'b');
        writeFileSync(file, 'c');
      },
    );
    expect(calls).toBe(1);
  });

  it('follows an editor-style save that renames a temp file over the original', async () => {
    const file = join(dir, 'mesh.config.ts');
    writeFileSync(file, 'a');
    const calls = await nextChange(
      (onChange) => new ConfigFileWatcher(file, onChange),
      () => {
        writeFileSync(join(dir, '.mesh.config.ts.swp'), 'b');
        renameSync(join(dir, '.mesh.config.ts.swp'), file);
      },
    );
    expect(calls).toBe(1);
  });

  it('ignores other files in the directory', async () => {
    const file = join(dir, 'mesh.config.ts');
    writeFileSync(file, 'a');
    await expect(
      nextChange(
        (onChange) => new ConfigFileWatcher(file, onChange),
        () => writeFileSync(join(dir, 'other.ts'), 'x'),
        500,
      ),
    ).rejects.toThrow('no change reported');
  });
});
