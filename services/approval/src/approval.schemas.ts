import { z } from 'zod';

const documentKind = z.enum(['id', 'income', 'tax']);
const userId = z.string().min(1).max(200);

export const EligibilityBody = z.object({
  userId,
  profile: z.object({ name: z.string().max(200), address: z.string().max(500), contact: z.string().max(200) }),
  documentKinds: z.array(documentKind).max(50),
});

export const CreditScoreBody = z.object({ userId });

export const DecisionBody = z.object({
  userId,
  decision: z.enum(['approved', 'rejected']),
  creditScore: z.number().int().min(300).max(850),
  reasons: z.array(z.string().max(500)).max(50).default([]),
  decidedAt: z.iso.datetime().optional(),
});
export type DecisionBody = z.infer<typeof DecisionBody>;
