// PgDb: a server library's connection with better-sqlite3's synchronous API (db/db.ts Db), so the
// data layer above runs unchanged on PostgreSQL. Each call is a round trip to a worker thread that owns
// the `pg` connection (pg-worker.ts) while this thread waits (synckit): the same blocking model as
// better-sqlite3, one dedicated connection per open library, so a transaction's statements share one
// session. SQL arrives in the portable subset with `?` placeholders, translated once per text to $1..$n.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createSyncFn } from 'synckit'
import type { Db, DbStatement, RunResult } from './db'
import { redactUrl } from './db'
import type { PgReply, PgRequest } from './pg-worker'

/** the worker: the bundled out/main/pg-worker.js when this module is bundled, else the TS source via tsx */
function workerPath(): string {
  const here = import.meta.url
  if (here.startsWith('file:') && !here.endsWith('.ts')) {
    for (const rel of ['./pg-worker.js', '../pg-worker.js']) {
      const p = fileURLToPath(new URL(rel, here))
      if (existsSync(p)) return p
    }
  }
  return fileURLToPath(new URL('./pg-worker-boot.mjs', here))
}

let call: ((req: PgRequest) => PgReply) | null = null
function worker(req: PgRequest): PgReply {
  call ??= createSyncFn(workerPath()) as (req: PgRequest) => PgReply
  return call(req)
}

/**
 * `?` → `$1..$n`, leaving '...' strings, "..." identifiers, $tag$ bodies and comments alone. Throws on
 * `@name` / `:name` style parameters (not portable).
 */
export function translatePlaceholders(sql: string): { text: string; count: number } {
  let out = ''
  let n = 0
  let i = 0
  while (i < sql.length) {
    const c = sql[i]
    const d = sql[i + 1]
    if (c === "'" || c === '"') {
      const end = closing(sql, i + 1, c)
      out += sql.slice(i, end)
      i = end
    } else if (c === '-' && d === '-') {
      const nl = sql.indexOf('\n', i)
      const end = nl < 0 ? sql.length : nl
      out += sql.slice(i, end)
      i = end
    } else if (c === '/' && d === '*') {
      const close = sql.indexOf('*/', i + 2)
      const end = close < 0 ? sql.length : close + 2
      out += sql.slice(i, end)
      i = end
    } else if (c === '$' && /[A-Za-z_$]/.test(d ?? '') && /^\$([A-Za-z_]\w*)?\$/.test(sql.slice(i))) {
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(sql.slice(i))![0]
      const close = sql.indexOf(tag, i + tag.length)
      const end = close < 0 ? sql.length : close + tag.length
      out += sql.slice(i, end)
      i = end
    } else if (c === '?') {
      out += `$${++n}`
      i++
    } else {
      out += c
      i++
    }
  }
  return { text: out, count: n }
}

/** index after the quote closing a literal opened before `from` ('' and "" are escaped quotes) */
function closing(sql: string, from: number, q: string): number {
  let i = from
  while (i < sql.length) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) i += 2
      else return i + 1
    } else i++
  }
  return sql.length
}

export interface PgOpenOptions {
  readonly?: boolean
  /** ms a statement waits for a lock (another writer) before it fails as busy */
  lockTimeoutMs?: number
}

/** a PostgreSQL error as thrown by PgDb: PG's SQLSTATE as `code`, and the statement it came from */
export class PgError extends Error {
  /** worth running the transaction again (transactions.ts retryBusy): a plan made stale by another
   *  process's migration was dropped, the next attempt prepares the statement anew */
  retryable = false
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly sql: string
  ) {
    super(message)
    this.name = 'PgError'
  }
}

function shortSql(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim()
  return s.length > 160 ? `${s.slice(0, 160)}…` : s
}

function toParam(v: unknown): unknown {
  if (v === undefined) return null
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    throw new Error('named parameters (an object) are not portable SQL: use ? placeholders and pass values in order')
  }
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'boolean') return v ? 1 : 0
  return v
}

function fixRow(r: Record<string, unknown>): Record<string, unknown> {
  for (const k in r) {
    const v = r[k]
    if (v instanceof Uint8Array && !Buffer.isBuffer(v)) r[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  }
  return r
}

export class PgDb implements Db {
  readonly dialect = 'postgres' as const
  /** the URL without its password */
  readonly name: string
  readonly readonly: boolean
  private handle: number
  private depth = 0
  private closed = false
  private readonly translated = new Map<string, { text: string; name: string }>()
  /** bumped when every prepared statement is dropped, so new names never meet old ones on the server */
  private generation = 0

  constructor(url: string, opts: PgOpenOptions = {}) {
    this.name = redactUrl(url)
    this.readonly = !!opts.readonly
    const r = worker({ op: 'connect', url, lockTimeoutMs: opts.lockTimeoutMs ?? 5000, readonly: this.readonly })
    if (!r.ok) throw Object.assign(new Error(`cannot connect to server library ${this.name}: ${redactUrl(r.message)}`), { code: 'io' })
    this.handle = r.handle!
  }

  get open(): boolean {
    return !this.closed
  }

  get inTransaction(): boolean {
    return this.depth > 0
  }

  private check(sql: string, r: PgReply): Extract<PgReply, { ok: true }> {
    if (r.ok) return r
    const why = [r.message, r.detail].filter(Boolean).join(': ')
    throw new PgError(`PostgreSQL error ${r.code ?? ''} (${why}) in: ${shortSql(sql)}`.replace('error  (', 'error ('), r.code, sql)
  }

  /** runs one parameterised statement (portable SQL with `?`) */
  query(sql: string, params: unknown[]): { rows: Record<string, unknown>[]; changes: number } {
    if (this.closed) throw new Error(`the server library ${this.name} is closed`)
    const values = params.map(toParam)
    for (let attempt = 1; ; attempt++) {
      let t = this.translated.get(sql)
      if (!t) {
        // a named (server-side prepared) statement: parsed and planned once per connection
        t = { text: translatePlaceholders(sql).text, name: `pd${this.generation}_${this.translated.size + 1}` }
        this.translated.set(sql, t)
      }
      try {
        const r = this.check(sql, worker({ op: 'query', handle: this.handle, sql: t.text, params: values, name: t.name, reconnect: !this.inTransaction }))
        return { rows: (r.rows ?? []).map(fixRow), changes: r.changes ?? 0 }
      } catch (err) {
        // another process migrated the schema (e.g. added a column) under a prepared `SELECT *`: prepare anew;
        // inside a transaction (now aborted) the whole transaction is retried instead
        if (!(err instanceof PgError) || err.code !== '0A000' || !/cached plan/.test(err.message)) throw err
        this.translated.clear()
        this.generation++
        if (this.inTransaction || attempt > 1) {
          err.retryable = this.inTransaction
          throw err
        }
      }
    }
  }

  prepare(sql: string): DbStatement {
    const args = (p: unknown[]): unknown[] => (p.length === 1 && Array.isArray(p[0]) ? (p[0] as unknown[]) : p)
    return {
      get: (...p: unknown[]) => this.query(sql, args(p)).rows[0],
      all: (...p: unknown[]) => this.query(sql, args(p)).rows,
      run: (...p: unknown[]): RunResult => ({ changes: this.query(sql, args(p)).changes }),
      iterate: (...p: unknown[]) => this.query(sql, args(p)).rows[Symbol.iterator]()
    }
  }

  exec(sql: string): this {
    return this.execOn(sql, false)
  }

  /** `reconnect`: a lost connection may be replaced first (only where no transaction is open) */
  private execOn(sql: string, reconnect: boolean): this {
    if (this.closed) throw new Error(`the server library ${this.name} is closed`)
    this.check(sql, worker({ op: 'exec', handle: this.handle, sql, reconnect }))
    return this
  }

  /**
   * `fn` in a transaction: BEGIN plus `lockSql` (the writers' advisory lock) when none is open, else a
   * savepoint of the open one. Rolled back when `fn` throws.
   */
  transaction<T>(fn: () => T, lockSql: string): T {
    if (this.depth > 0) {
      const sp = `pd_sp${this.depth}`
      this.exec(`SAVEPOINT ${sp}`)
      this.depth++
      try {
        const r = fn()
        this.exec(`RELEASE SAVEPOINT ${sp}`)
        return r
      } catch (err) {
        if (this.open) this.exec(`ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}`)
        throw err
      } finally {
        this.depth--
      }
    }
    this.depth = 1
    try {
      this.execOn(`BEGIN; ${lockSql}`.trim(), true)
      const r = fn()
      this.exec('COMMIT')
      return r
    } catch (err) {
      try {
        if (this.open) this.exec('ROLLBACK')
      } catch {
        // the connection is gone: the server rolled back already
      }
      throw err
    } finally {
      this.depth = 0
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    worker({ op: 'close', handle: this.handle })
  }
}
