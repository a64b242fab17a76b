import { createHash } from 'node:crypto';

/**
 * A content hash of JSON-shaped data that does not depend on object key order, so two
 * answers from Consul with the same content hash the same even if a map was rebuilt.
 * Array order is significant: callers sort lists whose order carries no meaning.
 */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  }) ?? 'undefined';
}
