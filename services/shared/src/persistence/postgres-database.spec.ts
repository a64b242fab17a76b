import { storeKind, StoreConfigError, toPostgresPlaceholders, toPostgresSchema } from './postgres-database';
import { byStore } from './store.module';

describe('PostgreSQL dialect of the shared SQL', () => {
  it('numbers placeholders in order', () => {
    expect(toPostgresPlaceholders('UPDATE t SET a = ?, b = ? WHERE id = ?')).toBe('UPDATE t SET a = $1, b = $2 WHERE id = $3');
    expect(toPostgresPlaceholders('SELECT 1')).toBe('SELECT 1');
  });

  it('turns SQLite row ids, REAL and BLOB into PostgreSQL types and leaves the rest alone', () => {
    expect(toPostgresSchema('CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, x REAL, b BLOB NOT NULL, n INTEGER NOT NULL)')).toBe(
      'CREATE TABLE t (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, x DOUBLE PRECISION, b BYTEA NOT NULL, n INTEGER NOT NULL)',
    );
  });
});

describe('store selection', () => {
  it('is SQLite unless MESH_STORE says postgres, and rejects anything else', () => {
    expect(storeKind({})).toBe('sqlite');
    expect(storeKind({ MESH_STORE: 'postgres' })).toBe('postgres');
    expect(() => storeKind({ MESH_STORE: 'mysql' })).toThrow(StoreConfigError);
    expect(() => storeKind({ MESH_STORE: 'mysql' })).toThrow(/MESH_STORE=mysql: expected sqlite or postgres/);
    expect(byStore({ sqlite: 'a', postgres: 'b' }, 'postgres')).toBe('b');
    expect(byStore({ sqlite: 'a', postgres: 'b' }, 'sqlite')).toBe('a');
  });
});
