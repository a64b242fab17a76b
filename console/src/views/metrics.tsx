import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ConsoleState, MetricsAnswer } from '../api';
import { usePoll, whenAvailable } from './shared';

const COLORS = ['#2f6fdf', '#d9534f', '#2e9d5b', '#c98a16', '#8a4fd8', '#1aa3a3', '#a04f2f', '#6b7a90'];

function Chart({ title, unit, series }: { title: string; unit: string; series: Array<{ name: string; points: Array<[number, number]> }> }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const times = [...new Set(series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
    const data: uPlot.AlignedData = [times, ...series.map((s) => {
      const at = new Map(s.points);
      return times.map((t) => at.get(t) ?? null);
    })];
    const plot = new uPlot(
      {
        width: 520,
        height: 200,
        series: [{}, ...series.map((s, i) => ({ label: s.name, stroke: COLORS[i % COLORS.length], width: 1.5 }))],
        axes: [{}, { label: unit, size: 60 }],
        legend: { live: false },
      },
      data,
      box.current,
    );
    return () => plot.destroy();
  }, [JSON.stringify(series)]);
  return (
    <figure class="chart" data-panel={title}>
      <figcaption>{title}</figcaption>
      {series.length === 0 ? <p class="note">no data yet</p> : <div ref={box} />}
    </figure>
  );
}

export function MetricsView({ state }: { state: ConsoleState }) {
  const answer = usePoll<MetricsAnswer>('metrics?range=900', 10000).value;
  if (!state.config) return <p class="note">The charts run the generated Grafana dashboards' queries, which come from mesh.config.ts; this control plane runs without one.</p>;
  return (
    <section aria-label="Metrics">
      <h2>Metrics</h2>
      <p class="note">The last 15 minutes, with the same PromQL as the Grafana dashboards <code>mesh generate grafana</code> writes; refreshed every 10 s.</p>
      {whenAvailable(answer?.data, 'Prometheus', (panels) => (
        <div class="charts">
          {panels.map((p) => (
            <Chart key={p.id} title={p.title} unit={p.unit} series={p.series} />
          ))}
        </div>
      ))}
    </section>
  );
}
