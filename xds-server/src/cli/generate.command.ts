import { relative, resolve } from 'node:path';
import { Argument, type Command } from 'commander';
import { loadMeshConfig } from '../dsl/load-mesh-config';
import { ARTIFACT_KINDS, generateArtifacts, type ArtifactKind } from '../generate/artifacts';
import { GenerateError } from '../generate/generate-error';
import type { GeneratedFile } from '../generate/generated-file';
import { writeArtifacts } from '../generate/write-artifacts';

interface GenerateOptions {
  out: string;
  config: string;
  typeCheck: boolean;
}

type GenerateKind = ArtifactKind | 'all';

/** The files of one kind that another kind's files refer to (compose mounts them). */
const MOUNTED_BY_COMPOSE: readonly ArtifactKind[] = ['bootstrap', 'consul', 'prometheus', 'grafana'];

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('Write deployment files from mesh.config.ts: compose, systemd units, Envoy bootstraps, Consul definitions, Prometheus, Grafana')
    .addArgument(new Argument('<kind>', 'what to generate').choices([...ARTIFACT_KINDS, 'all']))
    .requiredOption('--out <dir>', 'directory to write into (created if missing; files are overwritten, others left alone)')
    .option('--config <file>', 'the mesh definition', 'mesh.config.ts')
    .option('--no-type-check', 'skip the TypeScript check of the config (validation still runs)')
    .action(async (kind: GenerateKind, options: GenerateOptions) => {
      const { file, definition, version } = await loadMeshConfig(resolve(options.config), { typeCheck: options.typeCheck });
      const kinds = kind === 'all' ? ARTIFACT_KINDS : [kind];
      const outDir = resolve(options.out);
      const shown = relative(process.cwd(), file) || file;
      let files: GeneratedFile[];
      try {
        files = generateArtifacts(definition, kinds);
      } catch (error) {
        if (error instanceof GenerateError) throw new Error(`${shown} ${error.message}`);
        throw error;
      }
      const written = writeArtifacts(files, outDir);
      console.log(`${shown} (version ${version}) → ${written.length} files in ${relative(process.cwd(), outDir) || '.'}:`);
      for (const path of written) console.log(`  ${relative(process.cwd(), path)}`);
      if (kinds.includes('compose') && !MOUNTED_BY_COMPOSE.every((k) => kinds.includes(k))) {
        console.log(`\nThe compose files mount ${MOUNTED_BY_COMPOSE.join(', ')} from the same directory: run \`mesh generate all\` to have them too.`);
      }
    });
}
