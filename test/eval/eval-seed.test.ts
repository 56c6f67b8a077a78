// `platedesk eval DIR --format ufpr`: the seed formats are ground truth for the engine too. Real fixture
// frames labelled the UFPR-ALPR way (one .txt per image), the real engine, through the CLI; a label
// written as two rows scores the same characters as one row.
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { DatasetEvalReport } from '../../src/main/eval/dataset'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()
const MODELS = modelsDir()
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), ...args], { encoding: 'utf8', env: { ...process.env, ALPR_MODELS_DIR: MODELS ?? '' } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
  )

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON, !MODELS && MODELS_SKIP_REASON))('platedesk eval DIR --format ufpr (real engine)', () => {
  it('scores fixture frames labelled as UFPR-ALPR .txt; a two-row label matches the one-row read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platedesk-eval-ufpr-'))
    try {
      // plates.tsv boxes (x1 y1 x2 y2) → position_plate x y w h
      const plates = [
        { image: 'dayride_type1_001_t151.jpg', box: [564.0, 332.5, 626.0, 350.7], text: 'B37RYO', type: 'car' },
        { image: 'nightride_type3_001_t116.jpg', box: [385.4, 450.2, 562.1, 503.0], text: 'B96SXV', type: 'car' },
        { image: 'dayride_type1_001_t891.jpg', box: [351.6, 472.6, 589.6, 529.2], text: 'B305CIL', type: 'motorcycle' }
      ]
      for (const p of plates) {
        copyFileSync(join(FIX!, 'images', p.image), join(dir, p.image))
        const [x1, y1, x2, y2] = p.box
        writeFileSync(join(dir, p.image.replace('.jpg', '.txt')), `camera: dashcam\n\ttype: ${p.type}\nplate: ${p.text}\nposition_plate: ${x1} ${y1} ${x2 - x1} ${y2 - y1}\n`)
      }
      const bad = await run(['eval', dir, '--format', 'ccpdx'])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(/--format must be one of openalpr, voc, yolo, ccpd, ufpr, crops, fast-plate-ocr, got "ccpdx"/)
      const r = await run(['eval', dir, '--format', 'ufpr', '--workers', '1', '--json'])
      expect(r.code).toBe(0)
      const rep = JSON.parse(r.stdout) as DatasetEvalReport
      expect([rep.images, rep.labelledPlates, rep.text.plates]).toEqual([3, 3, 3])
      expect(rep.detection.truePositives).toBe(3)
      // the "motorcycle" label is stored as B30\n5CIL; scored as its characters, like the others
      expect(rep.text.exactAccuracy).toBe(1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
