import { EncodeCache } from './encode-cache';
import type { Resource } from './resource';
import { TypeUrl } from './type-url';

const resource = (name: string): Resource => ({ typeUrl: TypeUrl.Cluster, name, version: name, bytes: Buffer.from(name) });

describe('EncodeCache', () => {
  it('reuses a resource while its deps are the same values or objects', () => {
    const model = { endpoints: [] };
    const first = new EncodeCache();
    const encoded = first.resource('cds|a', ['http', model], () => resource('a'));
    const second = first.next();
    let calls = 0;
    expect(second.resource('cds|a', ['http', model], () => (calls++, resource('a2')))).toBe(encoded);
    expect(second.resource('cds|a', ['http', { endpoints: [] }], () => (calls++, resource('a3'))).name).toBe('a3');
    expect(calls).toBe(1);
  });

  it('keeps only the slots used since the previous cache, plus the ones carried over', () => {
    const first = new EncodeCache();
    first.resource('cds|a', [], () => resource('a'));
    const lazy = first.resource('lazy|a', [], () => resource('lazy-a'));
    first.resource('cds|gone', [], () => resource('gone'));
    const second = first.next();
    second.resource('cds|a', [], () => resource('a2'));
    second.carry((slot) => slot.startsWith('lazy|'));
    const third = second.next();
    expect(third.resource('lazy|a', [], () => resource('lazy-a2'))).toBe(lazy);
    expect(third.resource('cds|gone', [], () => resource('gone2')).name).toBe('gone2');
  });
});
