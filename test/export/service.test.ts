// The training service as the UI uses it: export.run starts a job and returns at once, progress arrives as
// 'export.progress' events, export.status reports the end state; a non-empty folder is refused up front.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTrainingHandlers, type TrainingService } from '../../src/main/services/training'
import type { ExportProgress } from '../../src/shared/types'
import { exportOptionsSchema } from '../../src/shared/api'
import { FIXTURES_SKIP_REASON, REPO_ROOT, fixturesDir, skipReason } from '../helpers/models'
import { buildFixtureLibrary, type FixtureLibrary } from './fixture-library'

const FIX = fixturesDir()

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('training service: export jobs', () => {
  let f: FixtureLibrary
  let svc: TrainingService
  const events: ExportProgress[] = []
  beforeAll(() => {
    f = buildFixtureLibrary(FIX!, { withVideo: true, withMissing: true })
    svc = createTrainingHandlers({
      library: f.lib,
      emit: (name, payload) => {
        if (name === 'export.progress') events.push(payload as ExportProgress)
      }
    })
  })
  afterAll(() => {
    svc?.close()
    f?.close()
  })

  const waitDone = async (jobId: string): Promise<ExportProgress> => {
    for (let i = 0; i < 600; i++) {
      const s = await svc['export.status']({ jobId })
      if (s.state !== 'running') return s
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('export job did not finish')
  }

  it('export.run → jobId, progress events, status done with the failed file named', async () => {
    const outDir = join(f.dir, 'svc-voc')
    const { jobId } = await svc['export.run'](exportOptionsSchema.parse({ format: 'voc', outDir, videoFrames: { everyNth: 5 } }))
    expect(typeof jobId).toBe('string')
    const end = await waitDone(jobId)
    expect(end.state).toBe('done')
    expect(end.total).toBe(21)
    expect(end.done).toBe(end.total)
    expect(end.error).toMatch(/1 file\(s\) failed.*no-such-file\.jpg/)
    const mine = events.filter((e) => e.jobId === jobId)
    expect(mine.length).toBeGreaterThan(1)
    expect(mine.at(-1)!.state).toBe('done')
    for (let i = 1; i < mine.length; i++) expect(mine[i].done).toBeGreaterThanOrEqual(mine[i - 1].done)
    expect(readdirSync(join(outDir, 'Annotations')).length).toBeGreaterThan(10)
    expect(svc.result(jobId)!.failures).toHaveLength(1)
  })

  it('a non-empty folder is refused before a job starts (conflict, naming the folder); unknown jobs are not-found', async () => {
    const outDir = join(f.dir, 'svc-voc')
    expect(existsSync(outDir)).toBe(true)
    await expect(svc['export.run'](exportOptionsSchema.parse({ format: 'csv', outDir: join(outDir, 'Annotations') }))).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining(join(outDir, 'Annotations'))
    })
    expect(() => svc['export.status']({ jobId: 'nope' })).toThrow(/not found/)
    const { jobId } = await svc['export.run'](exportOptionsSchema.parse({ format: 'csv', outDir, overwrite: true }))
    expect((await waitDone(jobId)).state).toBe('done')
    // overwrite only replaces this format's own files: the VOC export beside it is untouched
    expect(existsSync(join(outDir, 'plates.csv'))).toBe(true)
    expect(existsSync(join(outDir, 'Annotations'))).toBe(true)
  })

  it('platedesk export CLI: progress on stderr, summary on stdout, exit 1 naming the missing file, bad flags exit 2', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'export', '--db', f.file, ...args], { encoding: 'utf8' }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
      )
    const out = join(f.dir, 'cli-yolo')
    const r = await run(['--format', 'yolo', '--out', out, '--video-frames', '4', '--include-unreviewed', '0.5', '--split', '1,0,0'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/export yolo: \d+\/\d+ plates \(100%\)/)
    expect(r.stderr).toMatch(/failed: .*no-such-file\.jpg: source file not found/)
    expect(r.stdout).toMatch(/exported \d+ labels in \d+ images .* to /)
    // --split 1,0,0: everything in train
    expect(readdirSync(join(out, 'images', 'val'))).toEqual([])
    expect(readdirSync(join(out, 'images', 'train')).filter((n) => n.includes('_f')).length).toBeGreaterThan(6)
    expect(readFileSync(join(out, 'data.yaml'), 'utf8')).toContain('val: images/val')
    const again = await run(['--format', 'yolo', '--out', out])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`export folder ${out} is not empty`)
    const bad = await run(['--format', 'yolo', '--out', join(f.dir, 'x'), '--video-frames', 'some'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--video-frames: expected "best" or a whole number/)
    const badFormat = await run(['--format', 'tiff', '--out', join(f.dir, 'x')])
    expect(badFormat.code).toBe(2)
    expect(badFormat.stderr).toMatch(/invalid export option format/)
  })
})
