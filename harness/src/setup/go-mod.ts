/** The subset of `go mod edit -json` output that the build reads. */
export interface GoModJson {
  Go?: string;
  Replace?: Array<{ Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }> | null;
}

/**
 * Replace directives that point at a directory inside the module's own repository.
 * Those directories are separate modules that are not part of the downloaded zip, so
 * the build drops the directives and resolves the modules from the proxy instead.
 */
export function localPathReplaces(mod: GoModJson): string[] {
  return (mod.Replace ?? [])
    .filter((r) => r.New.Path.startsWith('./') || r.New.Path.startsWith('../') || r.New.Path === '.')
    .map((r) => (r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path));
}

/** The cache key of a built binary: name, version and the platform it was built for. */
export function goBinaryKey(name: string, version: string, goos: string, goarch: string): string {
  return `${name}-${version}-${goos}-${goarch}`;
}
