import { resolve } from 'node:path';
import { displayPath } from '../dsl/display-path';
import type { Command } from 'commander';
import { loadMeshConfig, MeshConfigError } from '../dsl/load-mesh-config';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('Type-check and validate a mesh definition; print every problem with its file:line')
    .argument('[file]', 'the mesh definition', 'mesh.config.ts')
    .action(async (file: string) => {
      const path = resolve(file);
      try {
        const loaded = await loadMeshConfig(path, { typeCheck: true });
        const nodes = Object.keys(loaded.definition.nodes).length;
        const services = Object.keys(loaded.definition.services).length;
        console.log(`✔ ${displayPath(path)} is valid: ${nodes} nodes, ${services} services (version ${loaded.version})`);
      } catch (error) {
        if (!(error instanceof MeshConfigError)) throw error;
        console.error(error.message);
        process.exitCode = 1;
      }
    });
}
