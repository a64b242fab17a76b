import { readFileSync } from 'node:fs';
import { ConsulConfigError } from './consul-errors';

/**
 * The ACL token, as Consul's own CLI takes it: `CONSUL_HTTP_TOKEN`, else the contents of the
 * file `CONSUL_HTTP_TOKEN_FILE` names (what generated units use, so that no token sits in a
 * unit file or the environment of `systemctl show`). An empty file means no token.
 */
export function consulToken(env: NodeJS.ProcessEnv): string | undefined {
  if (env.CONSUL_HTTP_TOKEN) return env.CONSUL_HTTP_TOKEN;
  const file = env.CONSUL_HTTP_TOKEN_FILE;
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConsulConfigError('CONSUL_HTTP_TOKEN_FILE', file, `a readable file holding the ACL token (${(error as NodeJS.ErrnoException).code ?? String(error)}); write it with \`consul acl token create … -format json | jq -r .SecretID > ${file}\``);
  }
  return text.trim() || undefined;
}
