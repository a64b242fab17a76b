import { stepsOf } from './temporal-reader';

const at = (seconds: number) => ({ seconds, nanos: 0 });

describe('stepsOf', () => {
  it('reads activities, child workflows, timers and signals with their times and outcomes', () => {
    const result = stepsOf([
      { eventId: 5, eventTime: at(100), activityTaskScheduledEventAttributes: { activityType: { name: 'sendWelcomeEmail' } } },
      { eventId: 6, eventTime: at(100), activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 2 } },
      { eventId: 7, eventTime: at(101), activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
      { eventId: 8, eventTime: at(102), workflowExecutionSignaledEventAttributes: { signalName: 'profileCompleted' } },
      { eventId: 9, eventTime: at(103), startChildWorkflowExecutionInitiatedEventAttributes: { workflowType: { name: 'ApprovalWorkflow' } } },
      { eventId: 12, eventTime: at(110), childWorkflowExecutionFailedEventAttributes: { initiatedEventId: 9, failure: { message: 'Child failed', cause: { message: 'credit score unavailable' } } } },
      { eventId: 13, eventTime: at(111), timerStartedEventAttributes: { timerId: 'reminder' } },
    ]);
    expect(result.steps).toEqual([
      { name: 'sendWelcomeEmail', kind: 'activity', status: 'completed', startedAt: new Date(100_000).toISOString(), endedAt: new Date(101_000).toISOString(), durationMs: 1000, attempts: 2 },
      { name: 'profileCompleted', kind: 'signal', status: 'completed', startedAt: new Date(102_000).toISOString(), endedAt: new Date(102_000).toISOString(), durationMs: 0 },
      { name: 'ApprovalWorkflow', kind: 'child workflow', status: 'failed', startedAt: new Date(103_000).toISOString(), endedAt: new Date(110_000).toISOString(), durationMs: 7000, failure: 'Child failed: credit score unavailable' },
      { name: 'reminder', kind: 'timer', status: 'running', startedAt: new Date(111_000).toISOString() },
    ]);
    expect(result.currentStep).toBe('reminder');
  });
});
