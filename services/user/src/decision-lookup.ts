import { CLOCK, type Clock, type DecisionRecord, LOGGER, SERVICE, ServiceMetrics, UpstreamClient, UpstreamHttpError, UpstreamUnavailableError } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { USER_SETTINGS, type UserSettings } from './user-settings';
import { USER_REPOSITORY, type UserRepository } from './user.repository';

/** The approval decision as /users/me/status reports it. */
export type DecisionView =
  | { source: 'approval-service'; stale: false; decision: DecisionRecord | null; checkedAt: string }
  | { source: 'last-known'; stale: true; decision: DecisionRecord; fetchedAt: string; ageSeconds: number; reason: string }
  | { source: 'unavailable'; stale: true; decision: null; reason: string };

/**
 * Asks approval-service (through the local Envoy, which retries and ejects failing
 * instances) for the current decision, and remembers each answer. When approval cannot
 * be reached, answers with the last decision it confirmed, marked stale with its age: a
 * circuit breaker's fallback, with Envoy as the breaker.
 */
@Injectable()
export class DecisionLookup {
  private readonly outcomes: Counter<'source'>;

  constructor(
    @Inject(UpstreamClient) private readonly upstream: UpstreamClient,
    @Inject(USER_REPOSITORY) private readonly repository: UserRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(USER_SETTINGS) private readonly settings: UserSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.outcomes = new Counter({ name: 'user_decision_lookups_total', help: 'Decision lookups by where the answer came from (approval-service, last-known fallback, unavailable)', labelNames: ['source'], registers: [metrics.registry] });
  }

  async decisionFor(userId: string): Promise<DecisionView> {
    const path = `/decisions/${encodeURIComponent(userId)}`;
    let failure: string;
    try {
      const response = await this.upstream.request<DecisionRecord>(SERVICE.approval, { method: 'GET', path, timeoutMs: this.settings.approvalLookupTimeoutMs });
      const checkedAt = this.clock.now().toISOString();
      if (response.status === 200) {
        await this.repository.rememberDecision(userId, { record: response.body, fetchedAt: checkedAt });
        this.outcomes.inc({ source: 'approval-service' });
        return { source: 'approval-service', stale: false, decision: response.body, checkedAt };
      }
      if (response.status === 404) {
        this.outcomes.inc({ source: 'approval-service' });
        return { source: 'approval-service', stale: false, decision: null, checkedAt };
      }
      failure = new UpstreamHttpError(SERVICE.approval, path, response.status, response.body).message;
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      failure = error.message;
    }
    this.logger.warn({ userId, reason: failure }, 'approval-service unreachable; answering with the last known decision');
    const known = await this.repository.lastKnownDecision(userId);
    if (!known) {
      this.outcomes.inc({ source: 'unavailable' });
      return { source: 'unavailable', stale: true, decision: null, reason: failure };
    }
    this.outcomes.inc({ source: 'last-known' });
    const ageSeconds = Math.max(0, Math.round((this.clock.now().getTime() - Date.parse(known.fetchedAt)) / 1000));
    return { source: 'last-known', stale: true, decision: known.record, fetchedAt: known.fetchedAt, ageSeconds, reason: failure };
  }
}
