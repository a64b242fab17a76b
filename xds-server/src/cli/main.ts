#!/usr/bin/env node
import { Command } from 'commander';
import { registerUpCommand } from './up.command';
import { registerStatusCommand } from './status.command';
import { registerValidateCommand } from './validate.command';
import { registerXdsCommand } from './xds.command';
import { registerGenerateCommand } from './generate.command';
import { registerDiffCommand } from './diff.command';
import { registerClusterCommand } from './cluster.command';
import { registerProxyBootstrapCommand } from './proxy-bootstrap.command';

const program = new Command()
  .name('mesh')
  .description('Control plane and local tooling for a Consul + Envoy service mesh')
  .showHelpAfterError('(run `mesh --help` for usage)');

registerUpCommand(program);
registerXdsCommand(program);
registerStatusCommand(program);
registerValidateCommand(program);
registerGenerateCommand(program);
registerDiffCommand(program);
registerClusterCommand(program);
registerProxyBootstrapCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
