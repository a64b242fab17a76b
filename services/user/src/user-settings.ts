import { envInt, envOptionalString, type Env } from '@mesh/service-kit';

export interface UserSettings {
  /** Passed to OnboardUser as profileReminderAfterMs (USER_PROFILE_REMINDER_AFTER_MS; unset: the workflow's default). */
  profileReminderAfterMs?: number;
  /** Deadline of the decision lookup through Envoy, retries included (APPROVAL_LOOKUP_TIMEOUT_MS, default 3000). */
  approvalLookupTimeoutMs: number;
}

export const USER_SETTINGS = Symbol('UserSettings');

export function userSettings(env: Env = process.env): UserSettings {
  const reminder = envOptionalString(env, 'USER_PROFILE_REMINDER_AFTER_MS') === undefined ? undefined : envInt(env, 'USER_PROFILE_REMINDER_AFTER_MS', 0, { min: 1 });
  return {
    ...(reminder !== undefined ? { profileReminderAfterMs: reminder } : {}),
    approvalLookupTimeoutMs: envInt(env, 'APPROVAL_LOOKUP_TIMEOUT_MS', 3000, { min: 100 }),
  };
}
