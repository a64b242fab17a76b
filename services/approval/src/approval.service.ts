import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, CLOCK, type Clock, type CreditScoreResponse, type DecisionRecord, type EligibilityRequest, type EligibilityResponse, ServiceMetrics } from '@mesh/service-kit';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { APPROVAL_SETTINGS, type ApprovalSettings, RANDOM_SOURCE, type RandomSource } from './approval-settings';
import { APPROVAL_REPOSITORY, type ApprovalRepository } from './approval.repository';
import type { DecisionBody } from './approval.schemas';
import { creditScoreFor } from './credit-score';
import { checkEligibility } from './eligibility';

export class CreditBureauUnavailableError extends ApiError {
  constructor() {
    super(HttpStatus.SERVICE_UNAVAILABLE, 'CREDIT_BUREAU_UNAVAILABLE', 'The (simulated) credit bureau did not answer; retry the request.');
  }
}

@Injectable()
export class ApprovalService {
  private readonly creditChecks: Counter<'outcome'>;
  private readonly decisions: Counter<'decision'>;

  constructor(
    @Inject(APPROVAL_REPOSITORY) private readonly repository: ApprovalRepository,
    @Inject(APPROVAL_SETTINGS) private readonly settings: ApprovalSettings,
    @Inject(RANDOM_SOURCE) private readonly random: RandomSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.creditChecks = new Counter({ name: 'approval_credit_checks_total', help: 'Simulated credit bureau requests by outcome', labelNames: ['outcome'], registers: [metrics.registry] });
    this.decisions = new Counter({ name: 'approval_decisions_total', help: 'Decisions recorded, by decision', labelNames: ['decision'], registers: [metrics.registry] });
  }

  eligibility(request: EligibilityRequest): EligibilityResponse {
    return checkEligibility(request);
  }

  async creditScore(userId: string): Promise<CreditScoreResponse> {
    const { min, max } = this.settings.creditScoreLatencyMs;
    const latencyMs = Math.round(min + this.random.next() * (max - min));
    if (latencyMs > 0) await sleep(latencyMs);
    const fails = this.random.next() < this.settings.creditScoreFailureRate;
    const checkedAt = this.clock.now().toISOString();
    if (fails) {
      await this.repository.addCreditCheck({ userId, outcome: 'unavailable', latencyMs, checkedAt });
      this.creditChecks.inc({ outcome: 'unavailable' });
      throw new CreditBureauUnavailableError();
    }
    const score = creditScoreFor(userId);
    await this.repository.addCreditCheck({ userId, outcome: 'scored', score, latencyMs, checkedAt });
    this.creditChecks.inc({ outcome: 'scored' });
    return { userId, score };
  }

  /** Records a decision; repeating the current decision (a retried activity) records nothing new. */
  async recordDecision(body: DecisionBody): Promise<{ record: DecisionRecord; created: boolean }> {
    const current = await this.repository.latestDecision(body.userId);
    if (current && current.decision === body.decision && current.creditScore === body.creditScore && JSON.stringify(current.reasons) === JSON.stringify(body.reasons)) {
      return { record: current, created: false };
    }
    const record: DecisionRecord = { userId: body.userId, decision: body.decision, creditScore: body.creditScore, reasons: body.reasons, decidedAt: body.decidedAt ?? this.clock.now().toISOString() };
    await this.repository.addDecision(record);
    this.decisions.inc({ decision: record.decision });
    return { record, created: true };
  }

  async decision(userId: string): Promise<DecisionRecord> {
    const record = await this.repository.latestDecision(userId);
    if (!record) throw new ApiError(HttpStatus.NOT_FOUND, 'NO_DECISION', `No decision has been recorded for user ${userId} yet.`);
    return record;
  }

  async history(userId: string): Promise<DecisionRecord[]> {
    return this.repository.decisionHistory(userId);
  }
}
