// Child process of stream.test.ts (run with --expose-gc): exports one library and reports how much live
// heap (after a full GC) and RSS the export added at its worst moment.
import { openLibrary } from '../../src/main/db/index'
import { runExport } from '../../src/main/export/index'
import type { ExportFormat } from '../../src/shared/types'

const [dbFile, outDir, format] = process.argv.slice(2)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const lib = openLibrary(dbFile, { readonly: true })
gc()
const heap0 = process.memoryUsage().heapUsed
const rss0 = process.memoryUsage().rss
let peakHeap = 0
let peakRss = 0
let samples = 0
const t0 = performance.now()
const res = await runExport(lib.db, { format: format as ExportFormat, outDir }, {
  onProgress: () => {
    // a full GC per sample is slow: sample every 4th progress call (about 50 samples per export)
    if (samples++ % 4 !== 0) return
    gc()
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed - heap0)
    peakRss = Math.max(peakRss, m.rss - rss0)
  }
})
const ms = performance.now() - t0
lib.close()
process.stdout.write(JSON.stringify({ labels: res.labels, total: res.total, peakHeapMB: peakHeap / 2 ** 20, peakRssMB: peakRss / 2 ** 20, samples, ms }) + '\n')
