import { type DecisionRecord, PostgresDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { ApprovalRepository, CreditCheck } from './approval.repository';
import { toRecord, type DecisionRow } from './sqlite-approval.repository';

/** The same tables as SqliteApprovalRepository, shared by every instance through PostgreSQL. */
@Injectable()
export class PostgresApprovalRepository implements ApprovalRepository {
  constructor(@Inject(PostgresDatabase) private readonly db: PostgresDatabase) {}

  async addDecision(record: DecisionRecord): Promise<void> {
    await this.db.run('INSERT INTO decisions (user_id, decision, credit_score, reasons, decided_at) VALUES (?, ?, ?, ?, ?)', [
      record.userId,
      record.decision,
      record.creditScore,
      JSON.stringify(record.reasons),
      record.decidedAt,
    ]);
  }

  async latestDecision(userId: string): Promise<DecisionRecord | undefined> {
    const row = await this.db.get<DecisionRow>('SELECT * FROM decisions WHERE user_id = ? ORDER BY seq DESC LIMIT 1', [userId]);
    return row && toRecord(row);
  }

  async decisionHistory(userId: string): Promise<DecisionRecord[]> {
    return (await this.db.all<DecisionRow>('SELECT * FROM decisions WHERE user_id = ? ORDER BY seq', [userId])).map(toRecord);
  }

  async addCreditCheck(check: CreditCheck): Promise<void> {
    await this.db.run('INSERT INTO credit_checks (user_id, outcome, score, latency_ms, checked_at) VALUES (?, ?, ?, ?, ?)', [
      check.userId,
      check.outcome,
      check.score ?? null,
      check.latencyMs,
      check.checkedAt,
    ]);
  }
}
