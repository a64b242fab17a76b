import { useState } from 'preact/hooks';
import type { ConsoleState, Sourced, WorkflowExecution } from '../api';
import { ago, ms, usePoll, whenAvailable } from './shared';

export function WorkflowsView({ state }: { state: ConsoleState }) {
  const answer = usePoll<Sourced<WorkflowExecution[]>>(state.sources.temporal ? 'workflows' : undefined, 5000).value;
  const [open, setOpen] = useState<string | undefined>();
  return (
    <section aria-label="Workflows">
      <h2>Workflows</h2>
      {!state.sources.temporal ? (
        <p class="unavailable" data-testid="unavailable">
          Temporal unavailable: not configured (start the control plane with --temporal &lt;host:port&gt;)
        </p>
      ) : (
        whenAvailable(answer, 'Temporal', (executions) =>
          executions.length === 0 ? (
            <p class="note">No OnboardUser or ApprovalWorkflow executions yet.</p>
          ) : (
            <table class="workflows">
              <thead>
                <tr>
                  <th>Workflow</th>
                  <th>Type</th>
                  <th>Status</th>
                  <th>Current step</th>
                  <th>Started</th>
                  <th>Temporal UI</th>
                </tr>
              </thead>
              <tbody>
                {executions.flatMap((w) => {
                  const key = `${w.workflowId}/${w.runId}`;
                  const expanded = open === key;
                  return [
                    <tr key={key} data-workflow={w.workflowId} data-type={w.type} data-status={w.status}>
                      <td>
                        <button type="button" class="link" aria-expanded={expanded} onClick={() => setOpen(expanded ? undefined : key)}>
                          {w.workflowId}
                        </button>
                      </td>
                      <td>{w.type}</td>
                      <td>
                        <span class={`badge ${w.status}`}>{w.status}</span>
                        {w.failure ? ` ${w.failure}` : ''}
                      </td>
                      <td>{w.currentStep ?? '–'}</td>
                      <td title={w.startedAt}>{ago(w.startedAt)}</td>
                      <td>{w.uiUrl ? <a href={w.uiUrl} target="_blank" rel="noreferrer">open</a> : '(headless)'}</td>
                    </tr>,
                    expanded && (
                      <tr key={`${key}/steps`} class="steps-row">
                        <td colSpan={6}>
                          <ol class="steps" data-steps={w.workflowId}>
                            {w.steps.map((s, n) => (
                              <li key={n} data-step={s.name} data-step-status={s.status}>
                                <span class={`badge ${s.status.replace(' ', '-')}`}>{s.status}</span> {s.kind} <strong>{s.name}</strong> {s.durationMs !== undefined ? ms(s.durationMs) : 'running'}
                                {s.attempts && s.attempts > 1 ? `, ${s.attempts} attempts` : ''}
                                {s.failure ? `: ${s.failure}` : ''}
                              </li>
                            ))}
                          </ol>
                        </td>
                      </tr>
                    ),
                  ];
                })}
              </tbody>
            </table>
          ),
        )
      )}
    </section>
  );
}
