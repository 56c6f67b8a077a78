// Libraries for the review specs and the review benchmark: the fixture photos imported through the real
// backend, and the same library grown to tens of thousands of plates straight in SQLite.
import Database from 'better-sqlite3'
import { IMAGES, type RunningApp } from './app'

/** imports the fixture folder through the API and waits until the import is done */
export async function importFixtures(app: RunningApp, timeoutMs = 120_000): Promise<void> {
  await app.call('library.import', { paths: [IMAGES] })
  const until = Date.now() + timeoutMs
  for (;;) {
    const s = await app.call<{ state: string; filesTotal: number; filesDone: number } | null>('import.status', {})
    if (s && (s.state === 'done' || s.state === 'error' || s.state === 'cancelled')) {
      if (s.state !== 'done') throw new Error(`fixture import ended ${s.state}`)
      return
    }
    if (Date.now() > until) throw new Error(`fixture import not done in ${timeoutMs} ms: ${JSON.stringify(s)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * Grows the library to `target` plates with copies of its unreviewed ones (same media, boxes, texts,
 * confidence a hair lower each round so the copies sort after their originals).
 */
export function growLibrary(dbPath: string, target: number): void {
  const w = new Database(dbPath)
  try {
    w.pragma('busy_timeout = 5000')
    const n = (w.prepare('SELECT COUNT(*) AS n FROM plates').get() as { n: number }).n
    const copy = w.prepare(
      `INSERT INTO plates (media_id, frame_id, detection_id, track_id, x1, y1, x2, y2, text, model_text, confidence, region, review_state)
       SELECT media_id, frame_id, NULL, NULL, x1, y1, x2, y2, text, model_text, confidence * 0.999, region, 'unreviewed'
       FROM plates WHERE review_state = 'unreviewed' LIMIT ?`
    )
    w.transaction(() => {
      let total = n
      while (total < target) total += copy.run(target - total).changes
    })()
  } finally {
    w.close()
  }
}
