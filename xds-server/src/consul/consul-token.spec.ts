import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulConfigError } from './consul-errors';
import { consulToken } from './consul-token';

describe('consulToken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consul-token-'));

  it('takes CONSUL_HTTP_TOKEN first, else the trimmed contents of CONSUL_HTTP_TOKEN_FILE', () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file\n');
    expect(consulToken({ CONSUL_HTTP_TOKEN: 'direct', CONSUL_HTTP_TOKEN_FILE: file })).toBe('direct');
    expect(consulToken({ CONSUL_HTTP_TOKEN_FILE: file })).toBe('from-file');
    expect(consulToken({})).toBeUndefined();
  });

  it('reads an empty file as no token (Consul without ACLs)', () => {
    const file = join(dir, 'empty');
    writeFileSync(file, '\n');
    expect(consulToken({ CONSUL_HTTP_TOKEN_FILE: file })).toBeUndefined();
  });

  it('names the variable, the file and how to write it when the file cannot be read', () => {
    const missing = join(dir, 'missing');
    expect(() => consulToken({ CONSUL_HTTP_TOKEN_FILE: missing })).toThrow(ConsulConfigError);
    expect(() => consulToken({ CONSUL_HTTP_TOKEN_FILE: missing })).toThrow(new RegExp(`Invalid CONSUL_HTTP_TOKEN_FILE "${missing}": expected a readable file holding the ACL token \\(ENOENT\\)`));
  });
});
