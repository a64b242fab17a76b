/**
 * What systemd would run for a generated unit: its ExecStartPre and ExecStart words, its Environment and its
 * WorkingDirectory, read back from the unit file as systemd reads them (quoted words,
 * `%%` and `$$` escapes), so a simulated host runs exactly what a Pi's systemd would.
 */

export class UnitParseError extends Error {
  override readonly name = 'UnitParseError';
}

export interface UnitCommand {
  /** Every ExecStartPre=, in order: each must succeed before ExecStart runs. */
  execStartPre: string[][];
  execStart: string[];
  environment: Record<string, string>;
  workingDirectory: string | undefined;
}

function unescapeSpecials(word: string): string {
  return word.replace(/%%/g, '%').replace(/\$\$/g, '$');
}

/** Splits a unit value into words: whitespace separates, double quotes group, `\"` and `\\` escape inside quotes. */
export function unitWords(value: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < value.length) current += value[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(unescapeSpecials(current));
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quoted) throw new UnitParseError(`unterminated quote in ${JSON.stringify(value)}`);
  if (inWord) words.push(unescapeSpecials(current));
  return words;
}

/** The [Service] section's ExecStartPre, ExecStart, Environment and WorkingDirectory of a unit file. */
export function parseUnitCommand(unit: string, file: string): UnitCommand {
  let section = '';
  let execStart: string[] | undefined;
  const execStartPre: string[][] = [];
  const environment: Record<string, string> = {};
  let workingDirectory: string | undefined;
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'ExecStart') execStart = unitWords(value);
    else if (key === 'ExecStartPre') execStartPre.push(unitWords(value));
    else if (key === 'WorkingDirectory') workingDirectory = unescapeSpecials(value);
    else if (key === 'Environment') {
      for (const word of unitWords(value)) {
        const at = word.indexOf('=');
        if (at <= 0) throw new UnitParseError(`${file}: Environment=${value}: expected NAME=value`);
        environment[word.slice(0, at)] = word.slice(at + 1);
      }
    }
  }
  if (!execStart || execStart.length === 0) throw new UnitParseError(`${file}: no ExecStart= in [Service]`);
  return { execStartPre, execStart, environment, workingDirectory };
}
