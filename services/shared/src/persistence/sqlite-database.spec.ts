import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from './sqlite-database';

const migrations = ['CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL)', 'ALTER TABLE items ADD COLUMN note TEXT'];

describe('SqliteDatabase', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps committed rows across a reopen of the file', async () => {
    const file = join(dir, 'nested', 'svc.sqlite');
    const first = await SqliteDatabase.open(file, migrations);
    first.run('INSERT INTO items (id, n, note) VALUES (?, ?, ?)', ['a', 1, 'x']);
    first.transaction(() => {
      first.run('INSERT INTO items (id, n) VALUES (?, ?)', ['b', 2]);
      first.run('UPDATE items SET n = n + 10 WHERE id = ?', ['a']);
    });
    first.close();

    const second = await SqliteDatabase.open(file, migrations);
    expect(second.all('SELECT id, n, note FROM items ORDER BY id')).toEqual([
      { id: 'a', n: 11, note: 'x' },
      { id: 'b', n: 2, note: null },
    ]);
    expect(second.get<{ user_version: number }>('PRAGMA user_version')?.user_version).toBe(2);
    second.close();
  });

  it('rolls back every write of a failed transaction, on disk too', async () => {
    const file = join(dir, 'svc.sqlite');
    const db = await SqliteDatabase.open(file, migrations);
    expect(() =>
      db.transaction(() => {
        db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['a', 1]);
        db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['a', 2]);
      }),
    ).toThrow(/UNIQUE constraint failed/);
    expect(db.all('SELECT * FROM items')).toEqual([]);
    db.close();
    const reopened = await SqliteDatabase.open(file, migrations);
    expect(reopened.all('SELECT * FROM items')).toEqual([]);
    reopened.close();
  });

  it('applies only the migrations a file has not seen, and refuses a newer file', async () => {
    const file = join(dir, 'svc.sqlite');
    const old = await SqliteDatabase.open(file, migrations.slice(0, 1));
    old.run('INSERT INTO items (id, n) VALUES (?, ?)', ['a', 1]);
    old.close();
    const upgraded = await SqliteDatabase.open(file, migrations);
    expect(upgraded.all('SELECT id, note FROM items')).toEqual([{ id: 'a', note: null }]);
    upgraded.close();
    await expect(SqliteDatabase.open(file, migrations.slice(0, 1))).rejects.toThrow(/schema version 2 but this build knows 1/);
  });

  it('keeps foreign keys enforced after a commit reopened the connection', async () => {
    const db = await SqliteDatabase.open(join(dir, 'fk.sqlite'), [
      'CREATE TABLE parent (id TEXT PRIMARY KEY)',
      'CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES parent(id))',
    ]);
    db.run('INSERT INTO parent (id) VALUES (?)', ['p']);
    expect(() => db.run('INSERT INTO child (id, parent_id) VALUES (?, ?)', ['c', 'missing'])).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('refuses an asynchronous transaction body', async () => {
    const db = await SqliteDatabase.open(':memory:', migrations);
    expect(() => db.transaction(() => Promise.resolve(db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['a', 1])))).toThrow(/synchronous/);
    expect(db.all('SELECT * FROM items')).toEqual([]);
    db.close();
  });
});
