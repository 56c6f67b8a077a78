// A server library through the CLI, on a real PostgreSQL (helpers/pg.ts) and real images: `--db
// postgres://…` works for import (real recognition), import-labels, stats, export, eval and check, and
// `serve --db URL` answers the HTTP API. The URL carries a password (the test cluster trusts loopback and
// ignores it): it must never be printed.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'
import { stopTestCluster, testDatabase } from '../helpers/pg'

const CLI = join(REPO_ROOT, 'bin/platedesk.js')
const FIX = fixturesDir()
const SECRET = 'pw-never-printed'

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 })
  expect(r.stdout + r.stderr, `${args[0]} printed the password`).not.toContain(SECRET)
  return r
}

describe.skipIf(skipReason(!modelsDir() && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('CLI on a server library', () => {
  let url: string
  let shown: string
  let dir: string
  beforeAll(async () => {
    const u = new URL(await testDatabase())
    u.password = SECRET
    url = u.toString()
    shown = url.replace(SECRET, '***')
    dir = mkdtempSync(join(tmpdir(), 'platedesk-server-cli-'))
  })
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    await stopTestCluster()
  })

  it('import → import-labels → stats → export → eval → check', () => {
    const images = readdirSync(join(FIX!, 'images')).filter((f) => f.endsWith('.jpg')).sort().slice(0, 4).map((f) => join(FIX!, 'images', f))
    const imp = run('import', '--db', url, '--workers', '1', ...images)
    expect(imp.status, imp.stderr).toBe(0)

    const stats1 = run('stats', '--db', url, '--json')
    expect(stats1.status, stats1.stderr).toBe(0)
    const s1 = JSON.parse(stats1.stdout)
    expect(s1).toMatchObject({ media: 4, images: 4, videos: 0, errors: 0 })
    expect(s1.plates).toBeGreaterThan(0)
    expect(s1.reviewed).toBe(0)

    // the fixture's VOC labels: the 4 imported images' model plates become confirmed/corrected, the rest are added
    const labels = run('import-labels', '--db', url, '--format', 'voc', FIX!, '--json')
    expect(labels.status, labels.stderr).toBe(0)
    const l = JSON.parse(labels.stdout)
    expect(l).toMatchObject({ images: 24, mediaAdded: 20, failures: [] })
    expect(l.platesUpdated).toBeGreaterThan(0)
    const s2 = JSON.parse(run('stats', '--db', url, '--json').stdout)
    expect(s2.media).toBe(24)
    expect(s2.reviewed).toBe(31)

    const out = join(dir, 'csv')
    const exp = run('export', '--db', url, '--format', 'csv', '--out', out)
    expect(exp.status, exp.stderr).toBe(0)
    const csv = readdirSync(out).find((f) => f.endsWith('.csv'))!
    expect(readFileSync(join(out, csv), 'utf8').trim().split('\n')).toHaveLength(1 + 31)

    const ev = run('eval', '--db', url, '--json')
    expect(ev.status, ev.stderr).toBe(0)
    const report = JSON.parse(ev.stdout)
    // the 4 imported images have model reads to score against their labels
    expect(report.plates).toBeGreaterThan(0)
    expect(report.detection.truePositives).toBeGreaterThan(0)

    const check = run('check', '--db', url)
    expect(check.status, check.stderr).toBe(0)
    expect(check.stdout).toContain(`ok: ${shown}`)
  }, 600_000)

  it('serve --db URL answers the HTTP API', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--db', url, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    try {
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${stdout} ${stderr}`)), 60_000)
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString()
          const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/.exec(stdout)
          if (m) (clearTimeout(timer), resolve(m[0]))
        })
        child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`serve exited ${code}: ${stdout} ${stderr}`))))
      })
      expect(stdout).toContain(`library ${shown}`)
      const u = new URL(address)
      const res = await fetch(new URL('/api/plates.list', u), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-platedesk-token': u.searchParams.get('token')! },
        body: JSON.stringify({ offset: 0, limit: 5 })
      })
      expect(res.status).toBe(200)
      const page = (await res.json()) as { total: number; items: { text: string }[] }
      expect(page.total).toBeGreaterThanOrEqual(31)
      expect(page.items).toHaveLength(5)
      expect(stdout + stderr).not.toContain(SECRET)
    } finally {
      child.kill('SIGTERM')
    }
  }, 120_000)
})
