import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { ARTIFACT_KINDS, generateArtifacts } from './artifacts';
import { GENERATED_HEADER } from './generated-file';
import { writeArtifacts } from './write-artifacts';

/**
 * Golden files: deploy/examples/ is `mesh generate all` of the root mesh.config.ts,
 * committed. Refresh it with `UPDATE_GOLDEN=1 npx jest --selectProjects unit golden`.
 */
const root = join(__dirname, '..', '..', '..');
const examples = join(root, 'deploy', 'examples');
// Loaded with require: the config lives outside this package's rootDir; swc compiles it.
const demo = (require(join(root, 'mesh.config')) as { default: MeshDefinition }).default;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** The same definition with every record's keys in reverse order. */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)])) as T;
  return value;
}

describe('mesh generate all (golden files in deploy/examples)', () => {
  const generated = generateArtifacts(demo);

  beforeAll(() => {
    if (process.env.UPDATE_GOLDEN === '1') {
      rmSync(examples, { recursive: true, force: true });
      writeArtifacts(generated, examples);
    }
  });

  it('writes the same files as deploy/examples holds', () => {
    expect(generated.map((f) => f.path)).toEqual(filesUnder(examples));
  });

  it.each(generated.map((f) => [f.path, f.content] as const))('%s matches its golden file byte for byte', (path, content) => {
    expect(content).toBe(readFileSync(join(examples, path), 'utf8'));
  });

  it('gives byte-identical output when run twice', () => {
    const again = generateArtifacts(demo);
    expect(again).toEqual(generated);
  });

  it('does not depend on the order in which nodes, services and maps are declared', () => {
    expect(generateArtifacts(reversedKeys(demo))).toEqual(generated);
  });

  it('covers every artifact kind', () => {
    const dirs = new Set(generated.map((f) => f.path.split('/')[0]));
    expect([...dirs].sort()).toEqual([...ARTIFACT_KINDS].sort());
  });

  it.each(generated.map((f) => [f.path, f.content] as const))('%s starts with the generated-file header', (path, content) => {
    const head = content.split('\n', 3).join('\n');
    if (path.endsWith('.json')) {
      const parsed = JSON.parse(content) as { description?: string };
      expect(parsed.description?.startsWith(GENERATED_HEADER)).toBe(true);
    } else {
      expect(head.startsWith(`# ${GENERATED_HEADER}\n`)).toBe(true);
    }
  });
});
