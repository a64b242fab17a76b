/** The public surface of the mesh language, imported by `mesh.config.ts`. */
export { defineMesh } from './define-mesh';
export type * from './mesh-definition';
