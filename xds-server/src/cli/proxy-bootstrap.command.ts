import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { CA_ROOTS_PATH, parseCaRoots, trustBundlePem } from '../consul/connect-ca';
import { ConsulClientTransport } from '../consul/consul-client-transport';
import { consulAddress } from '../consul/consul-address';
import { ConsulUnreachableError, errorMessage } from '../consul/consul-errors';
import { ProxyBootstrapError, renderProxyBootstrap } from '../generate/proxy-bootstrap';
import { parsePositiveInteger } from './port-option';

interface ProxyBootstrapOptions {
  template: string;
  out: string;
  tokenFile?: string;
  caOut?: string;
  consul: string;
  waitSeconds: number;
}

function readToken(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProxyBootstrapError(
      file,
      `the proxy's ACL token cannot be read (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`,
      'Write there the SecretID of a Consul ACL token with a service identity for this service (deploy/README.md, step 5 "Tokens and TLS"); with Consul ACLs off, leave the file empty.',
    );
  }
  return text.trim() || undefined;
}

/** The Consul CA roots from the local agent, retried while the agent comes up (systemd starts both at boot). */
async function caBundle(consul: string, waitSeconds: number): Promise<string> {
  const transport = new ConsulClientTransport(consul);
  const deadline = Date.now() + waitSeconds * 1000;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await transport.get({ path: CA_ROOTS_PATH, query: [], signal: new AbortController().signal, timeoutMs: 5000 });
        return trustBundlePem(parseCaRoots(answer.body, CA_ROOTS_PATH).roots);
      } catch (error) {
        // The unreachable error's own text speaks for a long-running watch; this command only waits, then gives up.
        const reason = error instanceof ConsulUnreachableError ? `unreachable (GET ${error.path}: ${error.reason})` : errorMessage(error);
        if (Date.now() > deadline) {
          throw new Error(`the Consul agent at ${consul} gave no CA roots within ${waitSeconds} s: ${reason}. Start the local agent, or point --consul (or CONSUL_HTTP_ADDR) at its HTTP API.`);
        }
        if (attempt === 1) console.error(`waiting for the Consul agent at ${consul}: ${reason}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  } finally {
    transport.close();
  }
}

function writePrivate(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, content, { mode: 0o600 });
}

export function registerProxyBootstrapCommand(program: Command): void {
  program
    .command('proxy-bootstrap')
    .description(
      "Before an Envoy starts: write its bootstrap with its Consul ACL token in it, and the Consul CA bundle it verifies the control plane with (generated units and compose files run this; the token never sits in a generated file)",
    )
    .requiredOption('--template <file>', 'the bootstrap `mesh generate bootstrap` wrote')
    .requiredOption('--out <file>', 'where Envoy reads its bootstrap (written 0600)')
    .option('--token-file <file>', "the proxy's ACL token (an empty file with Consul ACLs off)")
    .option('--ca-out <file>', 'where to write the Consul CA roots, as PEM')
    .option('--consul <url>', 'the local Consul agent (default: $CONSUL_HTTP_ADDR or http://127.0.0.1:8500)', consulAddress(process.env))
    .option('--wait-seconds <n>', 'how long to wait for the Consul agent', parsePositiveInteger, 60)
    .action(async (options: ProxyBootstrapOptions) => {
      const token = readToken(options.tokenFile);
      const rendered = renderProxyBootstrap(readFileSync(options.template, 'utf8'), token, options.template);
      if (options.caOut) writePrivate(options.caOut, await caBundle(options.consul, options.waitSeconds));
      writePrivate(options.out, rendered);
      console.log(`✔ ${options.out}${token ? ' (with the ACL token)' : ' (no ACL token)'}${options.caOut ? `, ${options.caOut}` : ''}`);
    });
}
