import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadToolchain, toolBin, type ToolName } from '@mesh/harness';

const run = promisify(execFile);
const pins = loadToolchain();

const expectations: Array<[ToolName, string[], string]> = [
  ['envoy', ['--version'], `/${pins.python.wheels.envoy.version}/`],
  ['temporal', ['--version'], `temporal version ${pins.python.wheels.temporal.version}`],
  ['consul', ['version'], `Consul ${pins.go.consul.version}`],
  ['jaeger', ['version'], 'v2.13.0'],
  ['prometheus', ['--version'], `prometheus, version ${pins.debian.prometheus.version}`],
];

describe('.tools/bin', () => {
  it.each(expectations)('%s prints the pinned version', async (tool, args, expected) => {
    const { stdout, stderr } = await run(toolBin(tool), args);
    expect(`${stdout}${stderr}`).toContain(expected);
  });
});
