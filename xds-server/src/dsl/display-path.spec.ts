import { displayPath } from './display-path';

describe('displayPath', () => {
  it('is relative inside the working directory and absolute outside it', () => {
    expect(displayPath('/repo/mesh.config.ts', '/repo')).toBe('mesh.config.ts');
    expect(displayPath('/repo/conf/mesh.config.ts', '/repo')).toBe('conf/mesh.config.ts');
    expect(displayPath('/repo/mesh.config.ts', '/repo/.run/2026-12-01')).toBe('/repo/mesh.config.ts');
    expect(displayPath('/repo', '/repo')).toBe('/repo');
  });
});
