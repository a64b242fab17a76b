import type { MeshDefinition } from '../dsl/mesh-definition';
import { generateBootstrap } from './bootstrap.generator';
import { generateCompose } from './compose.generator';
import { generateConsul } from './consul.generator';
import { byName, type GeneratedFile } from './generated-file';
import { generateGrafana } from './grafana.generator';
import { generatePrometheus } from './prometheus.generator';
import { generateSystemd } from './systemd.generator';

export const ARTIFACT_KINDS = ['compose', 'systemd', 'bootstrap', 'consul', 'prometheus', 'grafana'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export const GENERATORS: Readonly<Record<ArtifactKind, (mesh: MeshDefinition) => GeneratedFile[]>> = {
  compose: generateCompose,
  systemd: generateSystemd,
  bootstrap: generateBootstrap,
  consul: generateConsul,
  prometheus: generatePrometheus,
  grafana: generateGrafana,
};

/** The files of the given kinds, sorted by path (compose mounts the other kinds' files: generate them together). */
export function generateArtifacts(mesh: MeshDefinition, kinds: readonly ArtifactKind[] = ARTIFACT_KINDS): GeneratedFile[] {
  return kinds.flatMap((kind) => GENERATORS[kind](mesh)).sort((a, b) => byName(a.path, b.path));
}
