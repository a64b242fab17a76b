import { BlockingQuery } from './blocking-query';
import { ConsulHttpError, type ConsulError } from './consul-errors';
import type { ConsulTransport } from './consul-transport';
import { JsonShape } from './json-shape';

/**
 * The ACL tables whose writes can take away what a token may do: a token deleted or edited
 * (its policies, roles or service identities), a policy's rules edited. Roles and binding
 * rules are left to the re-check interval, so that this costs two connections, not four.
 */
export const ACL_CHANGE_PATHS = ['/v1/acl/tokens', '/v1/acl/policies'] as const;

/**
 * A listing reduced to what says that something changed: each entry's id and ModifyIndex.
 * Nothing else is kept, in particular no token's SecretID.
 */
export function parseAclListing(body: unknown, path: string): readonly string[] {
  const shape = new JsonShape(path);
  return shape
    .array(body, '')
    .map((item, i) => {
      const entry = shape.object(item, `[${i}]`);
      const id = entry.AccessorID ?? entry.ID;
      return `${shape.string(id, `[${i}].${entry.AccessorID === undefined ? 'ID' : 'AccessorID'}`)}@${shape.integer(entry.ModifyIndex, `[${i}].ModifyIndex`)}`;
    })
    .sort();
}

/** Why the watch stopped for good; the re-check interval is then all there is. */
export type AclWatchEnd = 'acls-disabled' | 'no-acl-read';

export interface AclChangesOptions {
  transport: ConsulTransport;
  /** A write to any of the tables, after the first answers: every verdict may be out of date. */
  onChange: () => void;
  onEnd: (why: AclWatchEnd, detail: string) => void;
  onError: (error: ConsulError) => void;
}

/**
 * Follows Consul's ACL state with blocking queries, so that a revoked token's streams close
 * within a round trip of the write rather than at the next re-check. It needs `acl:read`;
 * without it, or without ACLs, it ends and says so.
 */
export class AclChanges {
  private readonly queries: BlockingQuery<readonly string[]>[];
  private readonly seen = new Set<string>();
  private ended = false;

  constructor(private readonly options: AclChangesOptions) {
    this.queries = ACL_CHANGE_PATHS.map(
      (path) =>
        new BlockingQuery({
          transport: options.transport,
          path,
          parse: parseAclListing,
          contentKey: (ids) => ids.join('\n'),
          // The first answer of each table is the state the verdicts were made in, not a change.
          onChange: () => {
            if (this.seen.has(path)) return options.onChange();
            if (this.seen.size === 0) this.startAll();
            this.seen.add(path);
          },
          onError: (error) => this.failed(error),
        }),
    );
  }

  /** The first table only: the others are asked once it has shown that ACLs are on and readable. */
  start(): void {
    this.queries.find((query) => query.path === ACL_CHANGE_PATHS[0])?.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.queries.map((query) => query.stop()));
  }

  private startAll(): void {
    for (const query of this.queries) query.start();
  }

  private failed(error: ConsulError): void {
    if (this.ended) return;
    const end = error instanceof ConsulHttpError ? endOf(error) : undefined;
    if (!end) {
      this.options.onError(error);
      return;
    }
    this.ended = true;
    void this.stop();
    this.options.onEnd(end, error.message);
  }
}

function endOf(error: ConsulHttpError): AclWatchEnd | undefined {
  if (error.status === 401 && /ACL support disabled/i.test(error.body)) return 'acls-disabled';
  if (error.status === 403) return 'no-acl-read';
  return undefined;
}
