// Crash safety: `platedesk import` is SIGKILLed mid-run, a review is recorded on a plate it already
// imported, and the import is started again. Every file must end up imported exactly once, the queue
// finished, the database intact and the review kept. The result must equal a clean, uninterrupted import.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const fixtures = fixturesDir()
const skip = skipReason(!modelsDir() && MODELS_SKIP_REASON, !fixtures && FIXTURES_SKIP_REASON)
const CLI = join(REPO_ROOT, 'bin/platedesk.js')

describe.skipIf(skip)('import survives kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-crash-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('resumes after SIGKILL: each file once, queue done, integrity ok, earlier review intact, same result as a clean import', async () => {
    const src = join(dir, 'media in folder')
    mkdirSync(src)
    const imgs = readdirSync(join(fixtures!, 'images')).filter((f) => f.endsWith('.jpg'))
    for (const f of imgs) copyFileSync(join(fixtures!, 'images', f), join(src, f))
    copyFileSync(join(fixtures!, 'clip.mp4'), join(src, 'clip.mp4'))
    copyFileSync(join(fixtures!, 'images', imgs[0]), join(src, 'zz duplicate.jpg'))
    const db = join(dir, 'lib.db')
    const args = [CLI, 'import', '--db', db, '--fps', '4', '--workers', '2', src]

    // 1. start, and kill -9 once a few files are committed
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let killedAfter = -1
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const done = out.split('\n').filter((l) => l.startsWith('done ')).length
        if (done >= 6 && killedAfter < 0) {
          killedAfter = done
          child.kill('SIGKILL')
        }
      })
      child.once('error', reject)
      child.once('exit', () => resolve())
    })
    expect(child.signalCode, `the import finished before it could be killed:\n${out}`).toBe('SIGKILL')

    // 2. the killed library: consistent, the job still 'running' with files left; review a committed plate
    let lib = openLibrary(db)
    expect(lib.integrityCheck().ok).toBe(true)
    const job = lib.imports.getJob(1)!
    expect(job.state).toBe('running')
    const before = lib.imports.counts(1)
    expect(before.pending).toBeGreaterThan(0)
    expect(before.done).toBeGreaterThanOrEqual(killedAfter)
    // nothing half-written: every media row belongs to a finished item, every done item has its media
    const orphans = lib.db
      .prepare(`SELECT COUNT(*) AS n FROM media m WHERE NOT EXISTS (SELECT 1 FROM import_items i WHERE i.media_id = m.id AND i.state <> 'pending')`)
      .get() as { n: number }
    expect(orphans.n).toBe(0)
    const plate = lib.reader.listPlates({ state: 'unreviewed' }, 'confidence', 0, 1).items[0]
    expect(plate).toBeDefined()
    lib.writer.correct(plate.id, 'B00CRSH', 'tester')
    lib.close()

    // 3. restart: it resumes the job, then the requested import finds everything already there
    const again = spawnSync(process.execPath, args, { encoding: 'utf8' })
    expect(again.status, again.stderr + again.stdout).toBe(0)
    expect(again.stdout).toMatch(/resuming unfinished import job 1/)

    lib = openLibrary(db)
    expect(lib.integrityCheck().ok).toBe(true)
    const q = (sql: string) => lib.db.prepare(sql).all() as Record<string, number | string>[]
    expect(q(`SELECT state FROM import_jobs WHERE state <> 'done'`)).toEqual([])
    expect(lib.imports.counts(1)).toMatchObject({ total: 26, pending: 0, failed: 0, done: 25, duplicate: 1 })
    expect(q('SELECT sha256 FROM media GROUP BY sha256 HAVING COUNT(*) > 1')).toEqual([])
    expect(q('SELECT path FROM media GROUP BY path HAVING COUNT(*) > 1')).toEqual([])
    expect(q('SELECT frame_id, x1, y1 FROM plates GROUP BY frame_id, x1, y1, x2, y2 HAVING COUNT(*) > 1')).toEqual([])
    const stats = lib.reader.stats()
    expect(stats).toMatchObject({ media: 25, images: 24, videos: 1, errors: 0, reviewed: 1 })
    const kept = lib.reader.getPlateDetail(plate.id)!
    expect(kept).toMatchObject({ text: 'B00CRSH', reviewState: 'corrected' })
    expect(kept.history.map((h) => h.action)).toEqual(['correct'])
    lib.close()

    // 4. the same as an import that was never interrupted
    const clean = join(dir, 'clean.db')
    const c = spawnSync(process.execPath, [CLI, 'import', '--db', clean, '--fps', '4', '--workers', '2', src], { encoding: 'utf8' })
    expect(c.status, c.stderr).toBe(0)
    const ref = openLibrary(clean, { readonly: true })
    expect({ ...ref.reader.stats(), reviewed: 1 }).toEqual(stats)
    ref.close()
  })
})
