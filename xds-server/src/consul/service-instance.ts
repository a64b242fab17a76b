import type { CheckStatus } from './instance-health';

/** Health of an instance that is still served: critical instances are removed, never sent. */
export type ServingHealth = Exclude<CheckStatus, 'critical'>;

/** Consul's per-instance load-balancing weights (`Service.Weights`), default 1/1. */
export interface InstanceWeights {
  readonly passing: number;
  readonly warning: number;
}

/** One healthy-enough instance of a service, as the translator needs it. Frozen. */
export interface ServiceInstance {
  /** Service.ID; unique per node, so (node, id) identifies the instance. */
  readonly id: string;
  readonly service: string;
  readonly node: string;
  /** Service.Address, or Node.Address when the service has none. May be a hostname. */
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly health: ServingHealth;
  readonly weights: InstanceWeights;
}
