// Team-server review benchmark (issue 13): the real `platedesk serve` on a server library (PostgreSQL,
// a private durable cluster) holding N plates; an admin and R reviewer accounts made with the real CLI
// (`platedesk users add --password-file`); R reviewers, each its own OS process, sign in over HTTP
// (POST /auth/login: session cookie + anti-forgery token) and for S seconds loop review.next (count 1) →
// confirm / correct / reject over HTTP. Afterwards, from the database: no plate decided twice, and every
// decision the server acknowledged is in history with its reviewer as author. Prints decisions/s,
// p50/p95/p99 of review.next and of a decision, refusals (lease conflicts apart) and the load average;
// exits non-zero when a plate was decided twice or an acknowledged decision is missing.
//
//   npm run bench:team -- [--reviewers 10] [--seconds 120] [--plates 20000]
// (a reviewer runs as: tsx scripts/bench-team-server.ts --child PORT USER PASSWORD START_MS SECONDS)
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { startPgCluster } from '../test/helpers/pg'
import { load } from './bench-lib'
import { fillBenchLibrary } from './bench-plates'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(root, 'bin', 'platedesk.js')

interface Decision {
  id: number
  action: 'confirm' | 'correct' | 'reject'
}
interface ChildOut {
  decided: Decision[]
  next: number[]
  decide: number[]
  conflicts: number
  errors: string[]
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN
}

/** one HTTP call over a keep-alive connection, as a browser tab makes it */
function post(port: number, agent: Agent, path: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; json: any; cookie?: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        let json: any = {}
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          /* not JSON: status says enough */
        }
        const sc = res.headers['set-cookie']
        ok({ status: res.statusCode ?? 0, json, cookie: sc?.[0]?.split(';')[0] })
      })
    })
    req.on('error', fail)
    req.end(JSON.stringify(body))
  })
}

async function child(port: number, user: string, password: string, startAt: number, seconds: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const login = await post(port, agent, '/auth/login', {}, { name: user, password })
  if (login.status !== 200 || !login.cookie) throw new Error(`${user}: sign-in refused (${login.status} ${JSON.stringify(login.json)})`)
  const headers = { cookie: login.cookie, 'x-platedesk-token': String(login.json.csrf) }
  const call = (channel: string, body: unknown) => post(port, agent, `/api/${channel}`, headers, body)
  const wait = startAt - Date.now()
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  const out: ChildOut = { decided: [], next: [], decide: [], conflicts: 0, errors: [] }
  const end = Date.now() + seconds * 1000
  for (let i = 0; Date.now() < end; i++) {
    let t = performance.now()
    const n = await call('review.next', { filter: { state: 'unreviewed' }, sort: 'confidence', count: 1 })
    out.next.push(performance.now() - t)
    if (n.status !== 200) {
      out.errors.push(`review.next ${n.status} ${n.json?.error?.message ?? ''}`)
      continue
    }
    const p = (n.json.items ?? n.json.result?.items)?.[0] as { id: number } | undefined
    if (!p) break
    const action: Decision['action'] = i % 5 === 0 ? 'reject' : i % 5 === 1 ? 'correct' : 'confirm'
    t = performance.now()
    const r = await call(`plates.${action}`, action === 'correct' ? { id: p.id, text: `${user.toUpperCase()}${i % 1000}` } : { id: p.id })
    out.decide.push(performance.now() - t)
    if (r.status === 200) out.decided.push({ id: p.id, action })
    else if (r.json?.error?.code === 'conflict') out.conflicts++
    else out.errors.push(`plates.${action} ${r.status} ${r.json?.error?.message ?? ''}`)
  }
  agent.destroy()
  process.stdout.write(JSON.stringify(out) + '\n')
}

function run(argv: string[], input?: string): Promise<string> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [CLI, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    p.stderr.on('data', (d: Buffer) => (err += d.toString()))
    p.on('close', (code) => (code === 0 ? ok(out) : fail(new Error(`platedesk ${argv[0]} ${argv[1]} exited ${code}: ${err}`))))
    p.stdin.end(input ?? '')
  })
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const flag = (name: string, def: number): number => {
    const i = args.indexOf(name)
    return i >= 0 ? Number(args[i + 1]) : def
  }
  const reviewers = flag('--reviewers', 10)
  const seconds = flag('--seconds', 120)
  const plates = flag('--plates', 20_000)
  const tmp = mkdtempSync(join(tmpdir(), 'platedesk-bench-team-'))
  const cluster = await startPgCluster({ durable: true })
  let server: ReturnType<typeof spawn> | undefined
  try {
    const url = await cluster.createDatabase('team')
    let t = performance.now()
    fillBenchLibrary(url, plates)
    console.log(`server library (durable PostgreSQL) filled with ${plates} plates in ${((performance.now() - t) / 1000).toFixed(1)} s; load ${load()}`)

    // the accounts, through the real CLI: the admin first (the first account must be one), then reviewers
    t = performance.now()
    const pw = (name: string) => `${name}-bench-password`
    const add = (name: string, role: string) => {
      const file = join(tmp, `${name}.pw`)
      writeFileSync(file, `${pw(name)}\n`, { mode: 0o600 })
      return run(['users', 'add', name, '--role', role, '--db', url, '--password-file', file])
    }
    await add('admin', 'admin')
    const names = Array.from({ length: reviewers }, (_, k) => `reviewer${k + 1}`)
    for (let i = 0; i < names.length; i += 4) await Promise.all(names.slice(i, i + 4).map((u) => add(u, 'reviewer')))
    console.log(`accounts: admin + ${reviewers} reviewers (platedesk users add) in ${((performance.now() - t) / 1000).toFixed(1)} s`)

    // the real team server, its own process
    server = spawn(process.execPath, [CLI, 'serve', '--db', url, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let serr = ''
    server.stderr!.on('data', (d: Buffer) => (serr += d.toString()))
    const port = await new Promise<number>((ok, fail) => {
      let s = ''
      server!.stdout!.on('data', (d: Buffer) => {
        s += d.toString()
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(s)
        if (m) ok(Number(m[1]))
      })
      server!.once('exit', (code) => fail(new Error(`platedesk serve exited ${code}: ${serr}`)))
    })
    console.log(`platedesk serve --db ${cluster.url('team').replace(/^postgres:\/\/[^@]*@/, 'postgres://…@')} on 127.0.0.1:${port}`)

    const me = fileURLToPath(import.meta.url)
    const startAt = Date.now() + 8000 + reviewers * 800
    const outs = await Promise.all(
      names.map((user) => new Promise<ChildOut>((ok, fail) => {
        const p = spawn(process.execPath, [...process.execArgv, me, '--child', String(port), user, pw(user), String(startAt), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] })
        let s = ''
        p.stdout.on('data', (d: Buffer) => (s += d.toString()))
        p.on('close', (code) => (code === 0 ? ok(JSON.parse(s.trim().split('\n').pop()!) as ChildOut) : fail(new Error(`${user} exited ${code}`))))
      }))
    )
    const loadAfter = load()
    server.kill('SIGTERM')
    await new Promise((r) => server!.once('exit', r))
    server = undefined

    // the database's word
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    const rows = (await c.query(`SELECT plate_id, action, by FROM history WHERE action IN ('confirm', 'correct', 'reject')`)).rows as { plate_id: string; action: string; by: string }[]
    await c.end()
    const perPlate = new Map<number, { action: string; by: string }[]>()
    for (const r of rows) {
      const id = Number(r.plate_id)
      perPlate.set(id, [...(perPlate.get(id) ?? []), { action: r.action, by: r.by }])
    }
    const twice = [...perPlate.values()].filter((v) => v.length > 1).length
    let lost = 0
    let wrongAuthor = 0
    outs.forEach((o, k) => {
      for (const d of o.decided) {
        const h = perPlate.get(d.id)?.find((x) => x.action === d.action)
        if (!h) lost++
        else if (h.by !== names[k]) wrongAuthor++
      }
    })
    const decided = outs.reduce((s, o) => s + o.decided.length, 0)
    const conflicts = outs.reduce((s, o) => s + o.conflicts, 0)
    const errors = outs.flatMap((o) => o.errors)
    const next = outs.flatMap((o) => o.next)
    const decide = outs.flatMap((o) => o.decide)
    const ms = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} p95 ${pct(xs, 95).toFixed(1)} p99 ${pct(xs, 99).toFixed(1)}`
    console.log(`${reviewers} reviewers (processes, HTTP) x ${seconds} s on the team server, ${plates} plates; ${new Date().toISOString()}`)
    console.log(`decisions: ${decided} acknowledged (${(decided / seconds).toFixed(1)}/s); history rows ${rows.length}; decided twice: ${twice}; lost: ${lost}; wrong author: ${wrongAuthor}`)
    console.log(`lease conflicts: ${conflicts}; other errors: ${errors.length}${errors[0] ? ` (first: ${errors[0]})` : ''}`)
    console.log(`review.next ms: ${ms(next)}; decision ms: ${ms(decide)}`)
    console.log(`load average at the end of the run: ${loadAfter}`)
    if (twice || lost || wrongAuthor) process.exitCode = 1
  } finally {
    server?.kill('SIGTERM')
    cluster.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--child') {
  const [port, user, password, startAt, seconds] = process.argv.slice(3)
  await child(Number(port), user!, password!, Number(startAt), Number(seconds))
} else {
  await main().catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
}
