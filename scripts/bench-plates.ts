// The benchmark review library: N unreviewed plates (4 per photo, confidences spread over 0..1), committed
// through the import store as an import would, into a library file or a server library (postgres://).
import { openLibrary } from '../src/main/db/index'
import { blankFileResult } from '../src/main/db/imports'

export function fillBenchLibrary(target: string, plates: number): void {
  const lib = openLibrary(target)
  const PER = 4
  let n = 0
  try {
    for (let i = 0; n < plates; i++) {
      const f = blankFileResult({
        path: `/bench/img${i}.jpg`, folder: '/bench', size: 1000, mtimeMs: 0, sha256: `bench-${i}`, kind: 'image', width: 1280, height: 720,
        frames: [{ idx: 0, timeS: null, width: 1280, height: 720, detections: Array.from({ length: PER }, (_, k) => {
          const c = (((n + k) * 7919) % 1000) / 1000
          const text = `B${(n + k) % 100}XYZ`
          return { box: { x1: 100 * k, y1: 10, x2: 100 * k + 80, y2: 40 }, score: 0.9, detector: 'bench',
            read: { text, confidence: c, charConfidences: [...text].map(() => c), candidates: [{ plate: text, confidence: c }], region: null, regionConfidence: null, modelId: 'bench' } }
        }) }]
      })
      const job = lib.imports.createJob(['/bench'], { fps: 0 }, [{ path: f.path, root: '/bench' }])
      lib.imports.commitFile(lib.imports.pendingItems(job, 0, 1)[0]!.id, f)
      n += PER
    }
  } finally {
    lib.close()
  }
}
