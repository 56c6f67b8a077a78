// One of the processes of concurrent.test.ts: opens the library file itself and writes through the same
// code the app uses (ImportStore commits like the importer, Writer edits like the review screen), as fast
// as it can, all starting together (test/helpers/start-line.ts). Prints {"done":N,"failed":N,"errors":[...]} on stdout.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { openLibrary } from '../../src/main/db/index'
import { blankFileResult } from '../../src/main/db/imports'
import { waitForStartLine } from '../helpers/start-line'

// review: at least `count` edits, and on until `stopFile` exists when one is given
const [file, role, countArg, startAtArg, stopFile] = process.argv.slice(2)
const count = Number(countArg)
// start together with the other processes (opening included: they may all be creating the library)
if (startAtArg === 'together') await waitForStartLine()
const lib = openLibrary(file)
const errors: string[] = []
let done = 0

const attempt = (fn: () => void): void => {
  try {
    fn()
    done++
  } catch (err) {
    errors.push(err instanceof Error ? err.message : String(err))
  }
}

if (role === 'import') {
  const items = Array.from({ length: count }, (_, i) => ({ path: `/concurrent/${process.pid}/img${i}.jpg`, root: '/concurrent' }))
  const jobId = lib.imports.createJob(['/concurrent'], { fps: 1 }, items)
  const pending = lib.imports.pendingItems(jobId, 0, count)
  for (const [i, it] of pending.entries()) {
    const f = blankFileResult({
      path: it.path,
      folder: '/concurrent',
      size: 1000 + i,
      mtimeMs: 1_700_000_000_000 + i,
      sha256: createHash('sha256').update(`${process.pid}-${i}`).digest('hex'),
      kind: 'image',
      width: 1280,
      height: 720,
      frames: [
        {
          idx: 0,
          timeS: null,
          width: 1280,
          height: 720,
          detections: [0, 1, 2].map((k) => ({
            box: { x1: 100 + k * 200, y1: 300, x2: 220 + k * 200, y2: 330 },
            score: 0.9,
            detector: 'test',
            read: { text: `B${i}X${k}`, confidence: 0.8, charConfidences: [], candidates: [], region: null, regionConfidence: null, modelId: 'test' }
          }))
        }
      ]
    })
    attempt(() => lib.imports.commitFile(it.id, f))
  }
  attempt(() => lib.imports.setJobState(jobId, 'done'))
} else {
  const ids = (lib.db.prepare('SELECT id FROM plates ORDER BY id').all() as { id: number }[]).map((r) => r.id)
  const giveUpAt = Date.now() + 100_000 // never outlive the test if the import hangs
  for (let i = 0; i < count || (stopFile && !existsSync(stopFile) && Date.now() < giveUpAt); i++) {
    const id = ids[i % ids.length]
    if (i % 3 === 0) attempt(() => lib.writer.confirm(id, `p${process.pid}`))
    else if (i % 3 === 1) attempt(() => lib.writer.correct(id, `R${i}`, `p${process.pid}`))
    else attempt(() => lib.writer.reject(id, `p${process.pid}`))
  }
}
lib.close()
process.stdout.write(JSON.stringify({ done, failed: errors.length, errors: errors.slice(0, 3) }) + '\n')
