// `platedesk eval DIR` on the real fixtures with the real engine (ONNX models), end to end through the CLI.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { DatasetEvalReport } from '../../src/main/eval/dataset'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()
const MODELS = modelsDir()

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON, !MODELS && MODELS_SKIP_REASON))('platedesk eval DIR (real engine)', () => {
  it('scores the romania-dashcam fixtures: recall >= 0.90 at IoU 0.5, text metrics over the 30 legible plates', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'eval', FIX!, '--workers', '2', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, ALPR_MODELS_DIR: MODELS! },
      maxBuffer: 16 << 20
    })
    const r = JSON.parse(stdout) as DatasetEvalReport
    console.log(
      `eval fixtures: precision ${r.detection.precision.toFixed(3)} recall ${r.detection.recall.toFixed(3)} exact ${r.text.exactAccuracy.toFixed(3)} ` +
        `char ${r.text.charAccuracy.toFixed(3)} mean ${r.timings.engine.meanMs.toFixed(1)} ms/image (CPU, shared machine: noisy)`
    )
    expect(r.failures).toEqual([])
    expect(r.images).toBe(24)
    expect(r.labelledPlates).toBe(31)
    // the illegible plate has a box but no text: it counts for detection only
    expect(r.text.plates).toBe(30)
    expect(r.detection.recall).toBeGreaterThanOrEqual(0.9)
    expect(r.detection.truePositives + r.detection.falseNegatives).toBe(31)
    expect(r.detection.precision).toBeGreaterThan(0.5)
    // real OCR on real plates: most read exactly, and end-to-end accuracy can't beat detected-only accuracy
    expect(r.text.recognizedExactAccuracy).toBeGreaterThan(0.5)
    expect(r.text.exactAccuracy).toBeLessThanOrEqual(r.text.recognizedExactAccuracy + 1e-9)
    expect(r.text.charAccuracy).toBeGreaterThan(r.text.exactAccuracy - 1e-9)
    expect(r.timings.engine.count).toBe(24)
    expect(r.timings.engine.meanMs).toBeGreaterThan(0)
    expect(r.perImage).toHaveLength(24)
  })
})

describe('platedesk eval DIR without labels', () => {
  it('says so and exits 1 without starting the engine (no models needed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platedesk-nolabels-'))
    try {
      writeFileSync(join(dir, 'notes.txt'), 'not a label file')
      const r = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'eval', dir], {
        encoding: 'utf8',
        env: { ...process.env, ALPR_MODELS_DIR: join(dir, 'no-models') }
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e
      )
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`no labelled images under ${dir}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
