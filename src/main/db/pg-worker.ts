// The PostgreSQL side of PgDb (db/pg.ts): a worker thread that owns the `pg` connections and answers one
// request at a time while the calling thread waits (synckit), which is what makes the adapter
// synchronous. One connection per handle (per open library), so a transaction's statements share a
// session. Rows come back shaped as better-sqlite3 gives them: int8/numeric as numbers (COUNT, SUM),
// booleans as 1/0; bytea stays a Buffer (a Uint8Array after the thread hop; pg.ts restores it).
import pg from 'pg'
import { runAsWorker } from 'synckit'

export type PgRequest =
  | { op: 'connect'; url: string; lockTimeoutMs: number; readonly: boolean }
  | { op: 'query'; handle: number; sql: string; params: unknown[]; name: string | null; reconnect: boolean }
  | { op: 'exec'; handle: number; sql: string; reconnect?: boolean }
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

interface Conn {
  client: pg.Client
  url: string
  lockTimeoutMs: number
  readonly: boolean
}

const conns = new Map<number, Conn>()
let next = 1

async function connect(url: string, lockTimeoutMs: number, readonly: boolean): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, types, application_name: 'platedesk' })
  // a dropped connection must not crash the thread; the next query reports it (or reconnects)
  client.on('error', () => {})
  await client.connect()
  await client.query(
    `SET client_min_messages = warning; SET lock_timeout = ${Math.max(0, Math.trunc(lockTimeoutMs))}` +
      (readonly ? '; SET default_transaction_read_only = on' : '')
  )
  return client
}

/** the connection is gone (server restart, admin terminated it, network): a new one may succeed */
function lostConnection(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  return (
    e?.code === '57P01' || e?.code === '57P02' || e?.code === '57P03' || e?.code === 'ECONNRESET' || e?.code === 'EPIPE' ||
    /Connection terminated|not queryable|Client has encountered a connection error/i.test(e?.message ?? '')
  )
}

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
      const client = await connect(req.url, req.lockTimeoutMs, req.readonly)
      const h = next++
      conns.set(h, { client, url: req.url, lockTimeoutMs: req.lockTimeoutMs, readonly: req.readonly })
      return { ok: true, handle: h }
    }
    const conn = conns.get(req.handle)
    if (!conn) return { ok: false, message: 'the connection to the server library is closed' }
    if (req.op === 'close') {
      conns.delete(req.handle)
      await conn.client.end().catch(() => {})
      return { ok: true }
    }
    const query = req.op === 'exec' ? req.sql : { text: req.sql, values: req.params.map(param), ...(req.name ? { name: req.name } : {}) }
    try {
      const r = await conn.client.query(query)
      return { ok: true, rows: r.rows, changes: r.rowCount ?? 0 }
    } catch (err) {
      // outside a transaction a lost connection is replaced once and the statement run again (the new
      // session prepares its statements anew); inside one the transaction is lost with it: report it
      if (!req.reconnect || !lostConnection(err)) throw err
      if (req.op === 'exec' && !/^BEGIN\b/.test(req.sql)) throw err
      conn.client.end().catch(() => {})
      conn.client = await connect(conn.url, conn.lockTimeoutMs, conn.readonly)
      const r = await conn.client.query(query)
      return { ok: true, rows: r.rows, changes: r.rowCount ?? 0 }
    }
  } catch (err) {
    return fail(err)
  }
}

runAsWorker(handle)
