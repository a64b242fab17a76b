import { absoluteCommand } from './systemd.generator';
import { commandLine, renderUnit, unitWord } from './systemd-unit';

describe('systemd unit syntax', () => {
  it('leaves plain words alone and quotes the rest, doubling % and $', () => {
    expect(unitWord('PORT=3001')).toBe('PORT=3001');
    expect(unitWord('GREETING=hello world')).toBe('"GREETING=hello world"');
    expect(unitWord('A="b"')).toBe('"A=\\"b\\""');
    expect(unitWord('RATE=50%')).toBe('RATE=50%%');
    expect(unitWord('HOME=$HOME')).toBe('"HOME=$$HOME"');
  });

  it('renders sections in order with repeated keys', () => {
    expect(renderUnit([['Unit', [['Description', 'x']]], ['Service', [['Environment', 'A=1'], ['Environment', 'B=2'], ['ExecStart', commandLine(['/bin/x', '-c', 'a b'])]]]])).toBe(
      '[Unit]\nDescription=x\n\n[Service]\nEnvironment=A=1\nEnvironment=B=2\nExecStart=/bin/x -c "a b"\n',
    );
  });

  it('makes a DSL command absolute under the install prefix', () => {
    expect(absoluteCommand('node services/auth/dist/main.js --flag=a/b -x ./y', 'f')).toEqual([
      '/opt/mesh/bin/node',
      '/opt/mesh/app/services/auth/dist/main.js',
      '--flag=a/b',
      '-x',
      '/opt/mesh/app/y',
    ]);
    expect(absoluteCommand('/usr/local/bin/worker run', 'f')).toEqual(['/usr/local/bin/worker', 'run']);
    expect(() => absoluteCommand('  ', 'services.x.command')).toThrow('services.x.command: the command is empty');
  });
});
