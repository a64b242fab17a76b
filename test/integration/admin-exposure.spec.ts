import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts, ProcessSupervisor, repoRoot, startConsul, type ConsulHandle } from '@mesh/harness';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { suiteRunDir } from '../support/run-dir';

const run = promisify(execFile);

/** The local addresses listening on `port`, from /proc/net/tcp and tcp6 (hex, as the kernel writes them). */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
      .map((f) => (f[1] as string).split(':')[0] as string),
  );
}

describe('the admin API on the network', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('admin-exposure'));
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;

  beforeAll(async () => {
    consul = await startConsul(supervisor);
    controlPlane = await startControlPlane(supervisor, consul.httpAddr);
  });
  afterAll(() => supervisor.stopAll());

  it('binds loopback by default', () => {
    const port = Number(new URL(controlPlane.adminUrl).port);
    // 127.0.0.1 as /proc writes it (little-endian hex); nothing on 0.0.0.0 or another address.
    expect(listeners(port)).toEqual(['0100007F']);
  });

  it('refuses to mount the test hooks on a non-loopback bind, and says how to fix it', async () => {
    const [xds, admin] = await freePorts(2);
    const started = run(process.execPath, [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'xds', `--port=${xds}`, `--admin-port=${admin}`, '--admin-host=0.0.0.0', `--consul=${consul.httpAddr}`], {
      env: { ...process.env, MESH_XDS_TEST_HOOKS: '1' },
      timeout: 30_000,
    });
    await expect(started).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not a loopback address.*--admin-host 127\.0\.0\.1/s) });
  });
});
