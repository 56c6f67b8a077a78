import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()
const MODELS = modelsDir()

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('platedesk recognize / models / bench', () => {
  let dir: string
  let images: string[]
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pd-cli-'))
    images = readdirSync(join(FIX!, 'images')).sort().slice(0, 3)
    // a batch folder: 3 real fixtures (as links), a text file named .jpg, and a dangling link
    mkdirSync(join(dir, 'batch', 'sub'), { recursive: true })
    for (const f of images) symlinkSync(join(FIX!, 'images', f), join(dir, 'batch', 'sub', f))
    writeFileSync(join(dir, 'batch', 'broken.jpg'), 'not really a jpeg')
    symlinkSync(join(dir, 'gone.jpg'), join(dir, 'batch', 'zz-dangling.jpg'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('recognize piped into a reader that stops early (| head -1) ends quietly, without a stack trace or an abort', () => {
    const bin = join(REPO_ROOT, 'bin/platedesk.js')
    const imgs = join(FIX!, 'images')
    // two workers, both inferring when the pipe closes: exiting under them aborted (status 134, "terminate
    // called after throwing an instance of 'Napi::Error'") in 12 of 14 runs before the workers were stopped first
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${bin}" recognize --format jsonl --workers 2 "${imgs}" | head -1 >/dev/null`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000
    })
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.ts:\d+|terminate called|engine closed/)
    expect(r.status).toBe(0)
  })

  it('recognize --format jsonl: one object per file, bad files as {file, error}, exit 1', () => {
    const r = cli(['recognize', '--format', 'jsonl', '-n', '3', '--workers', '2', join(dir, 'batch')])
    expect(r.code).toBe(1)
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(rows).toHaveLength(5)
    const byName = Object.fromEntries(rows.map((o) => [o.file.split('/').pop(), o]))
    expect(byName['broken.jpg']).toEqual({ file: join(dir, 'batch', 'broken.jpg'), error: expect.stringMatching(/broken\.jpg: not an image/) })
    expect(byName['zz-dangling.jpg'].error).toMatch(/broken symbolic link/)
    for (const f of images) {
      const o = byName[f]
      expect(o).toMatchObject({ img_width: 1280, img_height: 720 })
      expect(o.processing_time_ms).toBeGreaterThan(0)
      for (const res of o.results) {
        expect(res.plate).toMatch(/^[0-9A-Z]+$/)
        expect(res.coordinates).toHaveLength(4)
        expect(res.candidates.length).toBeLessThanOrEqual(3)
        expect(res.confidence).toBeGreaterThan(0)
      }
    }
    // the fixtures' plates are read
    const plates = rows.flatMap((o) => o.results ?? []).map((x: { plate: string }) => x.plate)
    expect(plates).toEqual(expect.arrayContaining(['B21GSB', 'SB90TZI', 'B57ZFA']))
    expect(r.stderr).toMatch(/broken\.jpg: not an image/)
    expect(r.stderr).toMatch(/2 of 5 failed/)
  })

  it('recognize --format json is one array; csv has one row per plate; clean run exits 0', () => {
    const one = join(FIX!, 'images', images[1]!)
    const j = cli(['recognize', '--workers', '1', one])
    expect(j.code).toBe(0)
    const arr = JSON.parse(j.stdout)
    expect(Array.isArray(arr)).toBe(true)
    expect(arr[0].results.length).toBeGreaterThan(0)
    const c = cli(['recognize', '--format', 'csv', '--workers', '1', one])
    expect(c.code).toBe(0)
    const lines = c.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^file,plate,confidence,region/)
    expect(lines.length - 1).toBe(arr[0].results.length)
  })

  it('recognize with no models names the file and how to get it', () => {
    const r = cli(['recognize', '--models-dir', dir, join(FIX!, 'images', images[0]!)], { ALPR_MODELS_DIR: '', HOME: dir, XDG_CONFIG_HOME: dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/not found; searched: .*ALPR_MODELS_DIR.*https:\/\//)
  })

  it('models: table and --json; exit 1 when a default model is missing', () => {
    const ok = cli(['models'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^id\s+task\s+file\s+state\s+path/)
    expect(ok.stdout).toMatch(/cct-xs-v2-global \*\s+recognizer\s+cct_xs_v2_global\.onnx\s+ok/)
    const js = JSON.parse(cli(['models', '--json']).stdout)
    expect(js.map((m: { state: string }) => m.state)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
    const missing = cli(['models', '--json', '--models-dir', dir], { ALPR_MODELS_DIR: '', HOME: dir, XDG_CONFIG_HOME: dir })
    expect(missing.code).toBe(1)
    // only the bundled models (committed in models/) are found
    expect(JSON.parse(missing.stdout).filter((m: { state: string }) => m.state !== 'missing').map((m: { id: string }) => m.id)).toEqual(['yolo-v9-t-416-end2end-qdq', 'lprnet-china'])
  })

  it('bench prints images/s, CPU ms per stage and the ratios against the plain pipeline', () => {
    const r = cli(['bench', join(dir, 'batch', 'sub'), '--workers', '1', '--repeat', '1'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^load average \d+\.\d\d/m)
    expect(r.stdout).toMatch(/PlateDesk, 1 worker +: +\d+\.\d images\/s \(3 images .*CPU \d+\.\d ms\/image; wall per image: decode \d+\.\d, detect \d+\.\d, OCR \d+\.\d ms/)
    expect(r.stdout).toMatch(/PlateDesk int8, 1 worker +: +\d+\.\d images\/s \(3 images/)
    expect(r.stdout).toMatch(/plain, 1 thread +: +\d+\.\d images\/s \(3 images .*CPU \d+\.\d ms\/image/)
    expect(r.stdout).toMatch(/CPU ms\/image by stage, PlateDesk .*decode \d+\.\d, detect \d+\.\d \(incl\. letterbox\), OCR \d+\.\d; total \d+\.\d/)
    expect(r.stdout).toMatch(/CPU ms\/image by stage, plain .*total \d+\.\d/)
    expect(r.stdout).toMatch(/^PlateDesk: per core vs plain \d+\.\d\dx by images\/s, \d+\.\d\dx by CPU ms\/image/m)
    const js = JSON.parse(cli(['bench', join(dir, 'batch', 'sub'), '--workers', '1', '--repeat', '1', '--no-int8', '--json']).stdout)
    expect(js.results.map((x: { pipeline: string; images: number }) => [x.pipeline, x.images])).toEqual([
      ['platedesk', 3],
      ['plain', 3]
    ])
    // the plain pipeline does the same work: every stage costs CPU
    for (const s of js.stages) for (const k of ['decodeMs', 'detectMs', 'ocrMs']) expect(s[k]).toBeGreaterThan(0)
  }, 240_000) // two runs, each starting three engines: slow on a busy 2-core machine
})
