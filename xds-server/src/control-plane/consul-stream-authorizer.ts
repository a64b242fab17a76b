import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { authorizeServiceWrite, type ConsulPoster, type ServiceWriteVerdict } from '../consul/acl-authorize';
import { isLocalPeer, type StreamAuthorizer, type StreamDenial, type StreamPeer, type StreamVerdict } from '../xds/stream-authorizer';

export interface ConsulStreamAuthorizerOptions {
  consul: ConsulPoster;
  logger: Logger;
  /** How often a served stream's token is checked again; a revoked token's streams close within it. */
  recheckIntervalMs: number;
  /** Without Consul ACLs, hand secrets to peers that are not on this host too (off by default). */
  serveSecretsWithoutAcls: boolean;
}

/** The flag that gives secrets away to any peer when Consul runs without ACLs. */
export const INSECURE_SECRETS_FLAG = '--insecure-serve-secrets-without-acls';

/** Whether ACLs are off: `acls-disabled`, or anything else for on. */
const ACLS_STATE = '\u0000acls';

function keyOf(peer: StreamPeer): string {
  return `${peer.token ?? ''}\u0000${peer.service}`;
}

interface Watched {
  peer: StreamPeer;
  callbacks: Set<(denial: StreamDenial) => void>;
}

/**
 * Consul decides who is served, as for its own xDS server: with ACLs on, a stream must carry
 * a token with `service:write` on the service it claims (node.cluster), or it is refused
 * before it receives anything. Verdicts are asked of Consul, re-checked on an interval for
 * every stream being served, and a withdrawn one closes the streams that relied on it.
 * Without ACLs there is no credential to check; the key of a service then goes only to
 * peers on this host, unless the operator gives that protection up explicitly.
 */
export class ConsulStreamAuthorizer implements StreamAuthorizer {
  private readonly watched = new Map<string, Watched>();
  private readonly stop = new AbortController();
  private readonly timer: NodeJS.Timeout;
  /** Consul's recent answers by token and service, so a reconnect storm asks Consul once per pair per interval. */
  private readonly answers = new Map<string, { answer: ServiceWriteVerdict; at: number }>();
  private readonly asking = new Map<string, Promise<ServiceWriteVerdict>>();
  private probing: Promise<ServiceWriteVerdict> | undefined;
  private rechecking: Promise<void> | undefined;
  private recheckAgain = false;

  constructor(private readonly options: ConsulStreamAuthorizerOptions) {
    this.timer = setInterval(() => this.scheduleRecheck(), options.recheckIntervalMs);
    this.timer.unref();
  }

  /** Set when serving secrets to remote peers without ACLs: /health and `mesh status` say so. */
  get warning(): string | undefined {
    if (this.answers.get(ACLS_STATE)?.answer !== 'acls-disabled' || !this.options.serveSecretsWithoutAcls) return undefined;
    return `Consul ACLs are off and ${INSECURE_SECRETS_FLAG} is set: any peer that reaches the xDS port can obtain any service's private key`;
  }

  async authorize(peer: StreamPeer): Promise<StreamVerdict> {
    if (await this.aclsOff()) return this.verdict(peer, 'acls-disabled');
    const key = keyOf(peer);
    const cached = this.answers.get(key);
    if (cached && Date.now() - cached.at < this.options.recheckIntervalMs) return this.verdict(peer, cached.answer);
    // A reconnect storm of one service's proxies asks Consul once.
    let asking = this.asking.get(key);
    if (!asking) {
      // Consul unreachable: a verdict it gave earlier stands, as Consul's own default ACL down_policy (extend-cache) has it.
      asking = this.ask(peer)
        .catch((error: unknown) => (cached ? cached.answer : Promise.reject(error)))
        .finally(() => this.asking.delete(key));
      this.asking.set(key, asking);
    }
    return this.verdict(peer, await asking);
  }

  /** Whether Consul runs without ACLs, known for an interval at a time; one probe however many streams ask. */
  private async aclsOff(): Promise<boolean> {
    const known = this.answers.get(ACLS_STATE);
    if (known && Date.now() - known.at < this.options.recheckIntervalMs) return known.answer === 'acls-disabled';
    this.probing ??= authorizeServiceWrite(this.options.consul, undefined, 'mesh-acl-probe', this.stop.signal)
      .then((answer) => {
        this.answers.set(ACLS_STATE, { answer, at: Date.now() });
        return answer;
      })
      // With Consul unreachable the last known state stands; with none, the stream fails (UNAVAILABLE) and the proxy retries.
      .catch((error: unknown) => (known ? known.answer : Promise.reject(error)))
      .finally(() => (this.probing = undefined));
    return (await this.probing) === 'acls-disabled';
  }

  watch(peer: StreamPeer, revoked: (denial: StreamDenial) => void): () => void {
    const key = keyOf(peer);
    let entry = this.watched.get(key);
    if (!entry) this.watched.set(key, (entry = { peer, callbacks: new Set() }));
    entry.callbacks.add(revoked);
    return () => {
      entry.callbacks.delete(revoked);
      if (entry.callbacks.size === 0 && this.watched.get(key) === entry) this.watched.delete(key);
    };
  }

  /**
   * Consul's ACL state was written to (a token or policy): no earlier answer can be trusted,
   * so every served stream is checked now rather than at the next interval.
   */
  aclStateChanged(): void {
    for (const key of this.answers.keys()) if (key !== ACLS_STATE) this.answers.delete(key);
    this.scheduleRecheck();
  }

  close(): void {
    clearInterval(this.timer);
    this.stop.abort();
  }

  private async ask(peer: StreamPeer): Promise<ServiceWriteVerdict> {
    const answer = await authorizeServiceWrite(this.options.consul, peer.token, peer.service, this.stop.signal);
    const at = Date.now();
    this.answers.set(ACLS_STATE, { answer: answer === 'acls-disabled' ? answer : 'denied', at });
    if (answer !== 'acls-disabled') this.answers.set(keyOf(peer), { answer, at });
    // Answers older than an interval are never read again.
    for (const [key, entry] of this.answers) if (key !== ACLS_STATE && at - entry.at > 2 * this.options.recheckIntervalMs) this.answers.delete(key);
    return answer;
  }

  private verdict(peer: StreamPeer, answer: ServiceWriteVerdict): StreamVerdict {
    const service = JSON.stringify(peer.service);
    switch (answer) {
      case 'allowed':
        return { allowed: true, secrets: true };
      case 'acls-disabled':
        return { allowed: true, secrets: this.options.serveSecretsWithoutAcls || isLocalPeer(peer.address) };
      case 'unknown-token':
        return peer.token === undefined
          ? { allowed: false, code: status.UNAUTHENTICATED, reason: `Consul ACLs are on: send the proxy's Consul ACL token as gRPC metadata x-consul-token (for Envoy, initial_metadata of the xDS grpc_service; \`consul connect envoy -token\` writes it)` }
          : { allowed: false, code: status.UNAUTHENTICATED, reason: 'the x-consul-token is not a Consul ACL token (unknown or deleted)' };
      case 'denied':
        return {
          allowed: false,
          code: peer.token === undefined ? status.UNAUTHENTICATED : status.PERMISSION_DENIED,
          reason:
            peer.token === undefined
              ? `Consul ACLs are on and the stream carries no x-consul-token: a proxy for ${service} must send a token with service:write on it`
              : `the x-consul-token may not act for ${service} (node.cluster): it lacks service:write on ${service}`,
        };
    }
  }

  /** One re-check at a time; a change that arrives during one is followed by another. */
  private scheduleRecheck(): void {
    if (this.rechecking) {
      this.recheckAgain = true;
      return;
    }
    this.rechecking = this.recheck().finally(() => {
      this.rechecking = undefined;
      if (!this.recheckAgain || this.stop.signal.aborted) return;
      this.recheckAgain = false;
      this.scheduleRecheck();
    });
  }

  /** Consul unreachable keeps every stream as it is: the proxies keep their config, as with any Consul outage. */
  private async recheck(): Promise<void> {
    const entries = [...this.watched.values()];
    for (const [i, entry] of entries.entries()) {
      let verdict: StreamVerdict;
      try {
        const answer = await this.ask(entry.peer);
        // Without ACLs there is nothing per token to check: one answer covers every stream.
        if (answer === 'acls-disabled' && i === 0) return;
        verdict = this.verdict(entry.peer, answer);
      } catch (error) {
        if (this.stop.signal.aborted) return;
        this.options.logger.warn({ service: entry.peer.service, error: error instanceof Error ? error.message : String(error) }, 'cannot re-check a stream token with Consul; the streams stay open');
        continue;
      }
      if (!verdict.allowed) for (const revoked of [...entry.callbacks]) revoked(verdict);
    }
  }
}
