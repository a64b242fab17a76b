/** A unit file: sections in order, each a list of `Key=value` lines (keys may repeat). */
export type UnitSection = readonly [name: string, entries: ReadonlyArray<readonly [key: string, value: string]>];

/** `%` starts a specifier and `$` a variable in unit files; both are doubled to stay literal. */
function escapeSpecials(value: string): string {
  return value.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

/** One word of a command line or an Environment= assignment, quoted when it needs to be. */
export function unitWord(value: string): string {
  const escaped = escapeSpecials(value);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function commandLine(words: readonly string[]): string {
  return words.map(unitWord).join(' ');
}

export function renderUnit(sections: readonly UnitSection[]): string {
  return sections.map(([name, entries]) => `[${name}]\n${entries.map(([k, v]) => `${k}=${v}\n`).join('')}`).join('\n');
}
