// `eval --db` and illegible plates: a real plate (detection truth: the detector that found it scores a
// hit, one that missed it a miss) whose text nobody can read (never scored as a read). On a library file
// and on a server library.
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { evaluateLibrary } from '../../src/main/eval/library'
import { stores, stopTestCluster } from '../helpers/stores'

afterAll(stopTestCluster)

describe.each(stores)('$name', (store) => {
  it('an illegible plate is detection truth and is skipped for text', async () => {
    const target = await store.fresh()
    const lib = openLibrary(target)
    const id = (r: unknown) => (r as { id: number }).id
    try {
      const db = lib.db
      const m = id(db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES ('/d/a.jpg', '/d', 'a', 'image', 1, 1000, 800, 'done') RETURNING id").get())
      const f = id(db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 1000, 800) RETURNING id').get(m))
      const plate = (x: number, text: string, model: string | null): number => {
        let det: number | null = null
        if (model != null) {
          det = id(db.prepare("INSERT INTO detections (frame_id, media_id, x1, y1, x2, y2, score, detector) VALUES (?, ?, ?, 100, ?, 130, 0.9, 'd') RETURNING id").get(f, m, x, x + 100))
          db.prepare("INSERT INTO reads (detection_id, text, confidence, char_confidences, candidates, recognizer) VALUES (?, ?, 0.5, '[]', '[]', 'r')").run(det, model)
        }
        return id(
          db.prepare("INSERT INTO plates (media_id, frame_id, detection_id, x1, y1, x2, y2, text, model_text, confidence) VALUES (?, ?, ?, ?, 100, ?, 130, ?, ?, 0.5) RETURNING id")
            .get(m, f, det, x, x + 100, text, model)
        )
      }
      lib.writer.confirm(plate(0, 'B21GSB', 'B21GSB'), 't') // found and read
      lib.writer.illegible(plate(200, 'B1X', 'B1X'), 't') // found, unreadable: a hit, no read scored
      lib.writer.add(m, 0, { x1: 400, y1: 100, x2: 500, y2: 130 }, '', 't', true) // missed by the detector
      const r = evaluateLibrary(db)
      expect(r.detection).toMatchObject({ truePositives: 2, falsePositives: 0, falseNegatives: 1 })
      expect(r.plates).toBe(1)
      expect(r.exactAccuracy).toBe(1)
    } finally {
      lib.close()
      if (store.name === 'sqlite') rmSync(dirname(target), { recursive: true, force: true })
    }
  })
})
