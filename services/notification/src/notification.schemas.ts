import { z } from 'zod';

export const NotificationBody = z.object({
  userId: z.string().min(1).max(200),
  channel: z.enum(['email', 'sms', 'push']),
  template: z.enum(['welcome', 'profile-reminder', 'onboarding-result']),
  data: z.record(z.string(), z.string().max(2000)).optional(),
});
export type NotificationBody = z.infer<typeof NotificationBody>;

export const NotificationQuery = z.object({ userId: z.string().min(1).max(200).optional() });
export type NotificationQueryParams = z.infer<typeof NotificationQuery>;
