import { renameSync, writeFileSync } from 'node:fs';

/** The path prefix the edited service's first route matches in generation `n`: what clients look for. */
export function routeMarker(generation: number): string {
  return `/churn-${generation}/`;
}

/** The one service whose policy each generation edits; every other service keeps generation 0's. */
export function editedService(services: readonly string[]): string {
  return services[0] as string;
}

/** The route configuration the control plane sends for the edited service (`upstream:<service>`). */
export function editedRouteName(services: readonly string[]): string {
  return `upstream:${editedService(services)}`;
}

/**
 * A mesh.config.ts declaring `services` with a route and a retry policy each; generation n
 * changes both for one service, as an operator's edit does. A plain object default export:
 * the file lives outside the repository, where `@mesh/xds-server` would not resolve, and
 * defineMesh only adds types.
 */
export function meshConfigSource(services: readonly string[], generation: number): string {
  const edited = editedService(services);
  const entries = services.map((name, i) => {
    const g = name === edited ? generation : 0;
    const policy = {
      nodes: ['local'],
      command: name,
      port: 20_000 + i,
      sidecar: { port: 21_000 + i, adminPort: 22_000 + i },
      traffic: {
        routes: [{ match: { path: { prefix: routeMarker(g) } }, retries: { retryOn: ['5xx', 'reset'], numRetries: 1 + (g % 3) } }],
        retries: { retryOn: ['connect-failure'], numRetries: 1 + (g % 2) },
      },
    };
    return `    ${JSON.stringify(name)}: ${JSON.stringify(policy)},`;
  });
  return [
    `// Generation ${generation}, written by the churn benchmark.`,
    'export default {',
    "  name: 'bench',",
    "  nodes: { local: { address: '127.0.0.1', arch: 'amd64' } },",
    '  services: {',
    ...entries,
    '  },',
    '};',
    '',
  ].join('\n');
}

/** Writes the file the way editors save: a temp file renamed over the original. */
export function writeMeshConfig(file: string, services: readonly string[], generation: number): void {
  const temp = `${file}.tmp`;
  writeFileSync(temp, meshConfigSource(services, generation));
  renameSync(temp, file);
}
