// A private PostgreSQL cluster for tests and benchmarks: Debian's server binaries (package postgresql,
// installed by .ci/run), initdb into a temporary folder, pg_ctl start on a free loopback port with trust
// auth, stopped (and the folder removed) by stop(). initdb refuses to run as root, so under root the
// cluster runs as the `postgres` system user the package creates. Nothing outside the folder is touched.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export interface PgCluster {
  port: number
  dir: string
  /** postgres://platedesk@127.0.0.1:PORT/DB (the superuser, trust auth on loopback) */
  url(db?: string): string
  /** a new empty database; returns its URL */
  createDatabase(name?: string): Promise<string>
  stop(): void
}

/** The folder holding initdb/pg_ctl: $PG_BIN, else the newest /usr/lib/postgresql/N/bin, else null. */
export function findPgBin(): string | null {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'pg_ctl')) ? process.env.PG_BIN : null
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length ? join(root, versions[0], 'bin') : null
}

/** Why a cluster cannot start here, or false when it can. */
export function pgMissing(): string | false {
  if (process.env.PLATEDESK_TEST_PG_URL) return false
  return findPgBin() ? false : 'PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)'
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

let seq = 0

export async function startPgCluster(opts: { durable?: boolean } = {}): Promise<PgCluster> {
  const bin = findPgBin()
  if (!bin) throw new Error(pgMissing() as string)
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-pg-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  let uid = -1
  let gid = -1
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
    if (id.status !== 0) throw new Error('running as root and no `postgres` user to run the cluster as (apt-get install postgresql creates it)')
    uid = Number(id.stdout.trim())
    gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    chownSync(dir, uid, gid)
  }
  chmodSync(dir, 0o700)
  const run = (cmd: string, args: string[]): void => {
    const full = join(bin, cmd)
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args]
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir })
  }
  run('initdb', ['-D', data, '-U', 'platedesk', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  let port = 0
  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    // tests do not need durability across an OS crash; benchmarks ask for it
    const fast = opts.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off'
    const o = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=200${fast}`
    try {
      run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', o, '-w', '-t', '60', 'start'])
      break
    } catch (err) {
      if (attempt >= 2) throw new Error(`pg_ctl start failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`)
    }
  }
  const url = (db = 'postgres'): string => `postgres://platedesk@127.0.0.1:${port}/${db}`
  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', stop)
  return {
    port,
    dir,
    url,
    stop,
    async createDatabase(name = `lib_${process.pid}_${++seq}`) {
      const c = new pg.Client({ connectionString: url() })
      await c.connect()
      try {
        await c.query(`CREATE DATABASE "${name}"`)
      } finally {
        await c.end()
      }
      return url(name)
    }
  }
}

/**
 * A new empty database for one test file: on $PLATEDESK_TEST_PG_URL's server when set (its user must
 * be allowed CREATE DATABASE), else on a private cluster started on first use and stopped at exit.
 */
let shared: Promise<PgCluster> | null = null
export async function testDatabase(name?: string): Promise<string> {
  const ext = process.env.PLATEDESK_TEST_PG_URL
  if (ext) {
    const db = name ?? `platedesk_test_${process.pid}_${++seq}`
    const c = new pg.Client({ connectionString: ext })
    await c.connect()
    try {
      await c.query(`CREATE DATABASE "${db}"`)
    } finally {
      await c.end()
    }
    const u = new URL(ext)
    u.pathname = `/${db}`
    return u.toString()
  }
  shared ??= startPgCluster()
  return (await shared).createDatabase(name)
}

/** Stops the cluster testDatabase() started (call from afterAll; exit stops it too). */
export async function stopTestCluster(): Promise<void> {
  if (!shared) return
  const c = await shared
  shared = null
  c.stop()
}
