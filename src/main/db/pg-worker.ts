// The PostgreSQL side of PgDb (db/pg.ts): a worker thread that owns the `pg` connections and answers one
// request at a time while the calling thread waits (synckit), which is what makes the adapter
// synchronous. One connection per handle (per open library), so a transaction's statements share a
// session. Rows come back shaped as better-sqlite3 gives them: int8/numeric as numbers (COUNT, SUM),
// booleans as 1/0; bytea stays a Buffer (a Uint8Array after the thread hop; pg.ts restores it).
import pg from 'pg'
import { runAsWorker } from 'synckit'

export type PgRequest =
  | { op: 'connect'; url: string; lockTimeoutMs: number; readonly: boolean }
  | { op: 'query'; handle: number; sql: string; params: unknown[]; name: string | null }
  | { op: 'exec'; handle: number; sql: string }
  | { op: 'close'; handle: number }

export type PgReply =
  | { ok: true; handle?: number; rows?: Record<string, unknown>[]; changes?: number }
  | { ok: false; message: string; code?: string; detail?: string; hint?: string }

const INT8 = 20
const NUMERIC = 1700
const BOOL = 16

const types = {
  getTypeParser(oid: number, format?: string): (v: string) => unknown {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => (v === null ? null : Number(v))
    if (oid === BOOL) return (v: string) => (v === null ? null : v === 't' ? 1 : 0)
    return pg.types.getTypeParser(oid, (format ?? 'text') as 'text')
  }
}

const clients = new Map<number, pg.Client>()
let next = 1

function fail(err: unknown): PgReply {
  const e = err as { message?: string; code?: string; detail?: string; hint?: string }
  return { ok: false, message: e?.message ?? String(err), code: e?.code, detail: e?.detail, hint: e?.hint }
}

function param(v: unknown): unknown {
  // a Buffer crossed the thread boundary as a plain Uint8Array: pg sends only Buffers as bytea
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v
}

async function handle(req: PgRequest): Promise<PgReply> {
  try {
    if (req.op === 'connect') {
      const client = new pg.Client({ connectionString: req.url, types, application_name: 'platedesk' })
      // a dropped connection must not crash the thread; the next query reports it
      client.on('error', () => {})
      await client.connect()
      await client.query(
        `SET client_min_messages = warning; SET lock_timeout = ${Math.max(0, Math.trunc(req.lockTimeoutMs))}` +
          (req.readonly ? '; SET default_transaction_read_only = on' : '')
      )
      const h = next++
      clients.set(h, client)
      return { ok: true, handle: h }
    }
    const client = clients.get(req.handle)
    if (!client) return { ok: false, message: 'the connection to the server library is closed' }
    if (req.op === 'close') {
      clients.delete(req.handle)
      await client.end().catch(() => {})
      return { ok: true }
    }
    if (req.op === 'exec') {
      await client.query(req.sql)
      return { ok: true }
    }
    const r = await client.query({ text: req.sql, values: req.params.map(param), ...(req.name ? { name: req.name } : {}) })
    return { ok: true, rows: r.rows, changes: r.rowCount ?? 0 }
  } catch (err) {
    return fail(err)
  }
}

runAsWorker(handle)
