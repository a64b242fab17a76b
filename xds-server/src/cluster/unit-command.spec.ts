import { commandLine, renderUnit, unitWord } from '../generate/systemd-unit';
import { parseUnitCommand, UnitParseError, unitWords } from './unit-command';

describe('unit commands', () => {
  it('reads back what the generator wrote, quotes and escapes included', () => {
    const words = ['/opt/mesh/bin/node', 'main.js', '--name', 'a b "c"', '100%', '$HOME', 'back\\slash'];
    expect(unitWords(commandLine(words))).toEqual(words);
    const unit = renderUnit([
      ['Unit', [['Description', 'x'], ['ExecStart', '/ignored']]],
      [
        'Service',
        [
          ['WorkingDirectory', '/opt/mesh/app'],
          ['Environment', unitWord('A=1')],
          ['Environment', unitWord('B=two words')],
          ['ExecStartPre', commandLine(['/bin/first', '--a'])],
          ['ExecStartPre', commandLine(['/bin/second'])],
          ['ExecStart', commandLine(words)],
        ],
      ],
    ]);
    expect(parseUnitCommand(unit, 'x.service')).toEqual({ execStartPre: [['/bin/first', '--a'], ['/bin/second']], execStart: words, environment: { A: '1', B: 'two words' }, workingDirectory: '/opt/mesh/app' });
  });

  it('names the unit when it has no ExecStart, and rejects an unterminated quote', () => {
    expect(() => parseUnitCommand('[Service]\nType=simple\n', 'mesh-x.service')).toThrow(/mesh-x\.service: no ExecStart/);
    expect(() => unitWords('"open')).toThrow(UnitParseError);
  });
});
