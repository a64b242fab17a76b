import { Registry } from 'prom-client';
import { WorkflowMetrics } from './workflow-metrics';

describe('WorkflowMetrics', () => {
  it('seeds zero series for every workflow outcome and activity failure type, so dashboards show 0 before the first failure', async () => {
    const registry = new Registry();
    new WorkflowMetrics(registry).seed(['OnboardUser'], ['sendWelcomeEmail']);
    const text = await registry.metrics();
    for (const line of [
      'mesh_workflow_completed_total{workflow="OnboardUser"} 0',
      'mesh_workflow_failed_total{workflow="OnboardUser"} 0',
      'mesh_workflow_cancelled_total{workflow="OnboardUser"} 0',
      'mesh_workflow_activity_failures_total{activity="sendWelcomeEmail",type="ServiceUnavailable"} 0',
      'mesh_workflow_activity_failures_total{activity="sendWelcomeEmail",type="ServiceRejected"} 0',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });
});
