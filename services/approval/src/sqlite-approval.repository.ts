import { type DecisionRecord, SqliteDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { ApprovalRepository, CreditCheck } from './approval.repository';

export interface DecisionRow {
  user_id: string;
  decision: DecisionRecord['decision'];
  credit_score: number;
  reasons: string;
  decided_at: string;
}

export const toRecord = (row: DecisionRow): DecisionRecord => ({
  userId: row.user_id,
  decision: row.decision,
  creditScore: row.credit_score,
  reasons: JSON.parse(row.reasons) as string[],
  decidedAt: row.decided_at,
});

@Injectable()
export class SqliteApprovalRepository implements ApprovalRepository {
  constructor(@Inject(SqliteDatabase) private readonly db: SqliteDatabase) {}

  async addDecision(record: DecisionRecord): Promise<void> {
    this.db.run('INSERT INTO decisions (user_id, decision, credit_score, reasons, decided_at) VALUES (?, ?, ?, ?, ?)', [
      record.userId,
      record.decision,
      record.creditScore,
      JSON.stringify(record.reasons),
      record.decidedAt,
    ]);
  }

  async latestDecision(userId: string): Promise<DecisionRecord | undefined> {
    const row = this.db.get<DecisionRow>('SELECT * FROM decisions WHERE user_id = ? ORDER BY seq DESC LIMIT 1', [userId]);
    return row && toRecord(row);
  }

  async decisionHistory(userId: string): Promise<DecisionRecord[]> {
    return this.db.all<DecisionRow>('SELECT * FROM decisions WHERE user_id = ? ORDER BY seq', [userId]).map(toRecord);
  }

  async addCreditCheck(check: CreditCheck): Promise<void> {
    this.db.run('INSERT INTO credit_checks (user_id, outcome, score, latency_ms, checked_at) VALUES (?, ?, ?, ?, ?)', [
      check.userId,
      check.outcome,
      check.score ?? null,
      check.latencyMs,
      check.checkedAt,
    ]);
  }
}
