/**
 * Just enough HCL for Consul's agent config and service definitions: attributes,
 * string lists, string maps and nested blocks, in the order given.
 */
export type HclEntry =
  | { kind: 'attribute'; key: string; value: string | number | boolean | readonly string[] }
  | { kind: 'map'; key: string; value: Readonly<Record<string, string>> }
  | { kind: 'block'; key: string; body: readonly HclEntry[] };

export const attribute = (key: string, value: string | number | boolean | readonly string[]): HclEntry => ({ kind: 'attribute', key, value });
export const map = (key: string, value: Readonly<Record<string, string>>): HclEntry => ({ kind: 'map', key, value });
export const block = (key: string, body: readonly HclEntry[]): HclEntry => ({ kind: 'block', key, body });

/** A JSON string literal is a valid HCL string. */
function quote(value: string): string {
  return JSON.stringify(value);
}

function literal(value: string | number | boolean | readonly string[]): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `[${value.map(quote).join(', ')}]`;
}

export function renderHcl(entries: readonly HclEntry[], depth = 0): string {
  const pad = '  '.repeat(depth);
  const width = Math.max(0, ...entries.filter((e) => e.kind !== 'block').map((e) => e.key.length));
  return entries
    .map((entry) => {
      if (entry.kind === 'attribute') return `${pad}${entry.key.padEnd(width)} = ${literal(entry.value)}\n`;
      if (entry.kind === 'map') {
        const keys = Object.keys(entry.value);
        if (keys.length === 0) return `${pad}${entry.key.padEnd(width)} = {}\n`;
        const inner = Math.max(...keys.map((k) => quote(k).length));
        const lines = keys.map((k) => `${pad}  ${quote(k).padEnd(inner)} = ${quote(entry.value[k] ?? '')}\n`);
        return `${pad}${entry.key.padEnd(width)} = {\n${lines.join('')}${pad}}\n`;
      }
      return `${pad}${entry.key} {\n${renderHcl(entry.body, depth + 1)}${pad}}\n`;
    })
    .join('');
}
