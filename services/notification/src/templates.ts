import type { NotificationChannel, NotificationRequest } from '@mesh/service-kit';

export interface RenderedMessage {
  recipient: string;
  message: string;
}

/** The text each channel would send; SMS is cut to one 160-character segment. */
export function render(request: NotificationRequest): RenderedMessage {
  const data = request.data ?? {};
  const text = body(request.template, data);
  return { recipient: recipient(request.channel, request.userId, data), message: request.channel === 'sms' ? text.slice(0, 160) : text };
}

function body(template: NotificationRequest['template'], data: Record<string, string>): string {
  switch (template) {
    case 'welcome':
      return 'Welcome! Your account is ready. Complete your profile and upload a document to finish onboarding.';
    case 'profile-reminder':
      return `Reminder${data.reminder ? ` #${data.reminder}` : ''}: your profile is not complete yet. Add your name, address and contact to continue.`;
    case 'onboarding-result':
      return data.decision === 'approved'
        ? 'Good news: your application was approved.'
        : `Your application was not approved${data.reasons ? `: ${data.reasons}` : '.'}`;
  }
}

function recipient(channel: NotificationChannel, userId: string, data: Record<string, string>): string {
  switch (channel) {
    case 'email':
      return data.email ?? `${userId}@users.example`;
    case 'sms':
      return data.phone ?? `sms:${userId}`;
    case 'push':
      return `device-of:${userId}`;
  }
}
