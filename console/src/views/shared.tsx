import { useEffect, useState } from 'preact/hooks';
import { getJson, type Sourced } from '../api';

/** Polls a console API path; `undefined` until the first answer. */
export function usePoll<T>(path: string | undefined, everyMs: number): { value: T | undefined; error: string | undefined } {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (!path) return;
    let stopped = false;
    const read = () =>
      getJson<T>(path)
        .then((v) => !stopped && (setValue(v), setError(undefined)))
        .catch((e: Error) => !stopped && setError(e.message));
    void read();
    const timer = setInterval(read, everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [path, everyMs]);
  return { value, error };
}

/** What a view shows when its outside system is not configured or does not answer. */
export function Unavailable({ system, reason }: { system: string; reason: string }) {
  return (
    <p class="unavailable" role="status" data-testid="unavailable">
      {system} unavailable: {reason}
    </p>
  );
}

export function whenAvailable<T>(answer: Sourced<T> | undefined, system: string, body: (data: T) => preact.ComponentChildren) {
  if (!answer) return <p class="note">Loading…</p>;
  if (!answer.available) return <Unavailable system={system} reason={answer.reason} />;
  return body(answer.data);
}

export function ago(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds}s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}
