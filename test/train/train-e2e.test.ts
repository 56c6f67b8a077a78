// The whole "Improve the model" path with the real trainer (python -m training.finetune, torch on the
// CPU), on a library made the way a user makes one: plate crops imported with LPRNet, their file names
// imported as the reviewed truth. One short epoch: the point is the path, not the gain.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrainProgress } from '../../src/shared/types'
import { createBackend, type Backend } from '../../src/main/services/app'
import { findTrainingRoot } from '../../src/main/train/python'
import { REPO_ROOT, modelsDir, skipReason } from '../helpers/models'
import { CROPS_SKIP_REASON, LPRNET_CROPS, cropsDir } from './crop-library'

const torch = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0
const why =
  (!modelsDir() && 'models not found') ||
  (!cropsDir() && CROPS_SKIP_REASON) ||
  (!findTrainingRoot() && 'training/finetune.py not found (the training package)') ||
  (!torch && '/usr/bin/python3 lacks torch or onnx')
const CLI = join(REPO_ROOT, 'bin/platedesk.js')

describe.skipIf(skipReason(why))('platedesk train with the real trainer', () => {
  let dir: string
  let db: string
  let env: NodeJS.ProcessEnv

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-train-e2e-'))
    const crops = join(dir, 'crops')
    mkdirSync(crops)
    for (const f of readdirSync(LPRNET_CROPS).filter((n) => n.endsWith('.jpg')).sort().slice(0, 60)) copyFileSync(join(LPRNET_CROPS, f), join(crops, f))
    db = join(dir, 'lib.db')
    // adopting writes the user's models folder: a private one
    env = { ...process.env, PLATEDESK_PYTHON: '/usr/bin/python3', XDG_CONFIG_HOME: join(dir, 'config'), HOME: join(dir, 'home') }
    const run = (args: string[]): void => void execFileSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: 'pipe', timeout: 300_000 })
    run(['import', '--crops', '--db', db, '--recognizer', 'lprnet-china', '--workers', '1', crops])
    run(['import-labels', crops, '--format', 'crops', '--db', db])
  }, 300_000)
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('trains one epoch on 80% of the reviewed plates and compares base and new on the other 20%', () => {
    const out = join(dir, 'job')
    const r = spawnSync(process.execPath, [CLI, 'train', '--db', db, '--base', 'lprnet-china', '--out', out, '--epochs', '1', '--device', 'cpu', '--adopt'], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      timeout: 600_000
    })
    expect(r.stderr).toContain('train: epoch 1/1')
    expect(r.status).toBe(0)
    const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as TrainProgress
    expect(res.state).toBe('done')
    expect(res.trainPlates + res.holdoutPlates).toBe(60)
    const c = res.comparison!
    expect(c.base.id).toBe('lprnet-china')
    expect(c.base.plates).toBe(res.holdoutPlates)
    expect(c.candidate.plates).toBe(res.holdoutPlates)
    expect(r.stdout).toMatch(/lprnet-china \(base\)\s+\d+\.\d%\s+\d+\.\d%\s+\d+/)
    expect(r.stdout).toMatch(/\nnew\s+\d+\.\d%\s+\d+\.\d%\s+\d+/)
    expect(existsSync(res.model!)).toBe(true)
    expect(readFileSync(res.logFile, 'utf8')).toContain('"event": "done"')
    if (c.better) {
      // adopted: listed among the user's models and selected in the library
      expect(res.adoptedId).toMatch(/^lprnet-china-tuned-/)
      expect(r.stdout).toContain(`adopted: added as ${res.adoptedId}`)
      const models = execFileSync(process.execPath, [CLI, 'models', '--json'], { cwd: REPO_ROOT, env, encoding: 'utf8' })
      expect(models).toContain(res.adoptedId)
    } else {
      expect(r.stdout).toContain('the new model is not better than lprnet-china')
      expect(r.stdout).toContain('not adopted')
      expect(res.adoptedId).toBeNull()
    }
  }, 600_000)

  describe('in the app (the backend the window talks to)', () => {
    let backend: Backend
    const events: TrainProgress[] = []
    const saved = process.env.PLATEDESK_PYTHON

    beforeAll(async () => {
      process.env.PLATEDESK_PYTHON = '/usr/bin/python3'
      backend = await createBackend({ dbPath: db, mode: 'web', userDataDir: join(dir, 'userdata'), trainingDir: join(dir, 'jobs') })
      backend.subscribe((e, p) => {
        if (e === 'train.progress') events.push(p as TrainProgress)
      })
    })
    afterAll(async () => {
      await backend?.close()
      if (saved == null) delete process.env.PLATEDESK_PYTHON
      else process.env.PLATEDESK_PYTHON = saved
    })

    const until = async (pred: (p: TrainProgress) => boolean, ms: number): Promise<TrainProgress> => {
      const end = Date.now() + ms
      for (;;) {
        const p = (await backend.call('train.status', {}))!
        if (pred(p)) return p
        if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(p).slice(0, 400)}`)
        await new Promise((r) => setTimeout(r, 300))
      }
    }

    it('cancel ends the trainer process and the job', async () => {
      const started = await backend.call('train.start', { baseId: 'lprnet-china', epochs: 500, device: 'cpu' })
      expect(started.state).toBe('running')
      // one job at a time
      await expect(backend.call('train.start', { baseId: 'lprnet-china', epochs: 1 })).rejects.toMatchObject({ code: 'conflict' })
      await until((p) => p.phase === 'training', 120_000)
      const running = (): string[] =>
        execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => l.includes('training.finetune') && l.includes(started.jobDir))
      await until(() => running().length > 0, 60_000)
      const cancelled = await backend.call('train.cancel', { jobId: started.jobId })
      expect(cancelled.state).toBe('cancelled')
      await new Promise((r) => setTimeout(r, 500))
      expect(running()).toEqual([])
      const log = await backend.call('train.log', { jobId: started.jobId })
      expect(log.text).toContain('-m training.finetune')
    }, 300_000)

    it('trains, compares, and adopts only a better model (or, forced, selects it)', async () => {
      events.length = 0
      const started = await backend.call('train.start', { baseId: 'lprnet-china', epochs: 1, device: 'cpu' })
      const done = await until((p) => p.jobId === started.jobId && p.state !== 'running', 600_000)
      expect(done.state).toBe('done')
      expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['checking', 'exporting', 'training', 'evaluating', 'finished']))
      expect(events.some((e) => e.phase === 'training' && e.epoch === 1)).toBe(true)
      const c = done.comparison!
      if (!c.better) {
        await expect(backend.call('train.adopt', { jobId: done.jobId })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('not better') })
        expect((await backend.call('settings.get', {})).recognizerId).not.toMatch(/tuned/)
      }
      const { modelId } = await backend.call('train.adopt', { jobId: done.jobId, force: !c.better })
      expect((await backend.call('settings.get', {})).recognizerId).toBe(modelId)
      const models = await backend.call('models.status', {})
      expect(models.find((m) => m.id === modelId)?.state).toBe('ok')
      expect((await backend.call('train.status', { jobId: done.jobId }))!.adoptedId).toBe(modelId)
    }, 600_000)
  })
})
