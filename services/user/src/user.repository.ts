import type { DecisionRecord } from '@mesh/service-kit';

export interface Profile {
  userId: string;
  email: string;
  name?: string;
  address?: string;
  contact?: string;
  createdAt: string;
  updatedAt: string;
  /** Set once name, address and contact were completed (and the workflow signalled). */
  completedAt?: string;
}

export interface KnownDecision {
  record: DecisionRecord;
  /** When approval-service last confirmed it. */
  fetchedAt: string;
}

/** user-service's storage: profiles, and the last decision approval-service confirmed (the stale fallback). */
export interface UserRepository {
  /** false when the user already has a profile. */
  createProfile(profile: Profile): Promise<boolean>;
  findProfile(userId: string): Promise<Profile | undefined>;
  completeProfile(userId: string, fields: { name: string; address: string; contact: string }, at: string): Promise<void>;
  rememberDecision(userId: string, known: KnownDecision): Promise<void>;
  lastKnownDecision(userId: string): Promise<KnownDecision | undefined>;
}

export const USER_REPOSITORY = Symbol('UserRepository');
