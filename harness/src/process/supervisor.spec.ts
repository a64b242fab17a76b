import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { ComponentStartError, ProcessSupervisor } from './supervisor';
import { httpGet, waitFor } from './wait-for';
import { isAlive } from './pid';

const node = process.execPath;


function httpServerScript(port: number, extra = ''): string {
  return `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('listening')); ${extra}`;
}

describe('ProcessSupervisor', () => {
  let supervisor: ProcessSupervisor;
  beforeEach(() => {
    supervisor = new ProcessSupervisor(mkdtempSync(join(tmpdir(), 'supervisor-')));
  });
  afterEach(() => supervisor.stopAll());

  it('waits for readiness and logs the output to <runDir>/<name>.log', async () => {
    const port = await freePort();
    const managed = await supervisor.start({
      name: 'web',
      command: node,
      args: ['-e', httpServerScript(port)],
      ready: () => httpGet(`http://127.0.0.1:${port}/`),
    });
    expect(managed.running).toBe(true);
    await waitFor('log line', async () => readFileSync(managed.logFile, 'utf8').includes('listening'), { timeoutMs: 5000 });
  });

  it('fails with the exit status and the log tail when the process dies during startup', async () => {
    const start = supervisor.start({
      name: 'broken',
      command: node,
      args: ['-e', "console.error('bad config: no such field \"frob\"'); process.exit(3)"],
      ready: async () => false,
    });
    await expect(start).rejects.toThrow(ComponentStartError);
    await expect(start).rejects.toThrow(/broken failed to start: exited during startup \(exit code 3\)[\s\S]*no such field "frob"/);
  });

  it('stops a process that never becomes ready once the deadline passes', async () => {
    const start = supervisor.start({
      name: 'slow',
      command: node,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      ready: async () => false,
      readyTimeoutMs: 300,
    });
    await expect(start).rejects.toThrow('slow failed to start: slow readiness: not reached within 0.3s');
    expect(supervisor.running).toHaveLength(0);
  });

  it('stops the whole process group, grandchildren included', async () => {
    const port = await freePort();
    const grandchild = "require('child_process').spawn(process.execPath, ['-e', 'console.log(\"gc\", process.pid); setInterval(() => {}, 1000)'], { stdio: 'inherit' });";
    const managed = await supervisor.start({
      name: 'parent',
      command: node,
      args: ['-e', httpServerScript(port, grandchild)],
      ready: () => httpGet(`http://127.0.0.1:${port}/`),
    });
    const gcPid = await waitFor(
      'grandchild pid',
      async () => Number(/gc (\d+)/.exec(readFileSync(managed.logFile, 'utf8'))?.[1] ?? 0) || undefined,
      { timeoutMs: 5000 },
    );
    expect(isAlive(gcPid)).toBe(true);
    await supervisor.stopAll();
    await waitFor('grandchild gone', async () => !isAlive(gcPid), { timeoutMs: 5000 });
  });

  it('leaves no orphans when the supervising process is killed with SIGKILL', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'orphan-'));
    const harness = join(__dirname, '..', '..', 'dist', 'index.js');
    const script = `
      const { ProcessSupervisor } = require(${JSON.stringify(harness)});
      const s = new ProcessSupervisor(${JSON.stringify(runDir)});
      s.start({ name: 'sleeper', command: 'sleep', args: ['300'], ready: async () => true })
        .then((p) => console.log('child', p.pid));`;
    const parent = spawn(node, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve) =>
      parent.stdout.on('data', (d: Buffer) => {
        const m = /child (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      }),
    );
    expect(isAlive(childPid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor('orphan reaped', async () => !isAlive(childPid), { timeoutMs: 10_000 });
  });
});
