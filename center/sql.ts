// The two databases the center can keep its events in, behind one small interface, so the schema,
// the watermark logic and the report are written once. SQL is written with `?` placeholders;
// PostgreSQL gets them numbered. Row values come back as JS numbers (BIGINT included).
import type { Database as SqliteDatabase, Statement as SqliteStatement } from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type Row = Record<string, unknown>;
export type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

export interface SqlDb {
  readonly dialect: 'sqlite' | 'postgres';
  /** Where it is, without credentials (for logs). */
  readonly where: string;
  query: Query;
  /** One transaction that takes the write lock first (BEGIN IMMEDIATE / READ COMMITTED with row locks). */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const isPgUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** A PostgreSQL URL, or a SQLite file path (`sqlite:` prefix optional). */
export async function openSqlDb(target: string): Promise<SqlDb> {
  return isPgUrl(target) ? openPostgres(target) : openSqlite(target.replace(/^sqlite:(\/\/)?/, ''));
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

const fileChains = new Map<string, Promise<unknown>>();

async function openSqlite(path: string): Promise<SqlDb> {
  const { default: Database } = await import('better-sqlite3');
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const db: SqliteDatabase = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // A second ingest process on the same file waits for the write lock instead of failing.
  db.pragma('busy_timeout = 10000');
  db.defaultSafeIntegers(false);
  // Prepared statements are reused (the ingest repeats a handful of statements thousands of times).
  const cache = new Map<string, SqliteStatement>();
  const run: Query = async (sql, params = []) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (cache.size > 200) cache.clear();
      cache.set(sql, stmt);
    }
    const args = params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
    if (stmt.reader) return stmt.all(...args) as Row[];
    stmt.run(...args);
    return [];
  };
  // Transactions on one file run one after another within this process: a second connection's
  // BEGIN IMMEDIATE would otherwise busy-wait synchronously while the first awaits its next statement.
  const key = path === ':memory:' ? `${path}#${Math.random()}` : resolve(path);
  return {
    dialect: 'sqlite',
    where: path,
    query: run,
    tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
      const next = (fileChains.get(key) ?? Promise.resolve()).then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(run);
          db.exec('COMMIT');
          return out;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      });
      fileChains.set(key, next.catch(() => undefined));
      return next;
    },
    async close() { await fileChains.get(key); db.close(); },
  };
}

const numbered = (sql: string) => { let i = 0; return sql.replace(/\?/g, () => `$${++i}`); };

async function openPostgres(url: string): Promise<SqlDb> {
  const pg = await import('pg');
  const Pg = pg.default;
  // BIGINT (20) and NUMERIC aggregates as JS numbers: seqs and milliseconds stay below 2^53.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      (oid === 20 || oid === 1700 ? (v: string) => Number(v) : Pg.types.getTypeParser(oid, format as 'text')),
  };
  const pool: Pool = new Pg.Pool({ connectionString: url, max: 4, types: types as never });
  pool.on('error', () => undefined); // an idle client's broken connection is replaced by the pool
  const client = await pool.connect(); // fail early with the real reason (auth, unreachable)
  client.release();
  const on = (c: Pool | PoolClient): Query => async (sql, params = []) => (await c.query(numbered(sql), params)).rows as Row[];
  return {
    dialect: 'postgres',
    where: redactUrl(url),
    query: on(pool),
    async tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
      // Two ingest instances may commit overlapping windows: a deadlock or serialization failure is retried.
      for (let attempt = 1; ; attempt++) {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          const out = await fn(on(c));
          await c.query('COMMIT');
          return out;
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          const code = (err as { code?: string }).code;
          if ((code === '40P01' || code === '40001') && attempt < 5) continue;
          throw err;
        } finally {
          c.release();
        }
      }
    },
    async close() { await pool.end(); },
  };
}
