// glibc's malloc serves blocks over its mmap threshold (128 KB at first, raised as such blocks are
// freed) with mmap and gives them back to the kernel on free, and trims the heap's free top past
// 128 KB. A decoded 720p frame is a fresh 2.7 MB block each time, so each JPEG decode paid ~300 page
// faults for the memory libvips copies the pixels into; in a virtual machine each fault is costly:
// 9.3 vs 5.0 ms CPU per fixture decode here (faults 330 vs 35 per decode). Keeping blocks up to 32 MB
// in the heap and its free top up to 64 MB lets the next frame reuse the same pages. Linux with glibc
// only (musl, macOS and Windows have other allocators); anything failing leaves malloc as it was.
import { createRequire } from 'node:module'

const M_TRIM_THRESHOLD = -1
const M_MMAP_THRESHOLD = -3
export const MMAP_THRESHOLD = 32 << 20 // glibc's ceiling on 64-bit (HEAP_MAX_SIZE / 2)
export const TRIM_THRESHOLD = 64 << 20

let tuned: boolean | null = null

/**
 * Applies the thresholds; true when they are in effect. mallopt is process-wide, so the first engine
 * worker's Pipeline.create tunes the main thread's allocations (video frames from ffmpeg) too; later
 * calls in the same thread return the first answer, other threads set the same values again.
 */
export function tuneMalloc(): boolean {
  if (tuned !== null) return tuned
  tuned = false
  if (process.platform !== 'linux' || process.env.PLATEDESK_MALLOC_TUNING === '0') return tuned
  try {
    // required lazily: a missing or unloadable native module must not stop the engine; no libc.so.6
    // (musl) throws here too
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi')
    const mallopt = koffi.load('libc.so.6').func('int mallopt(int param, int value)') as (p: number, v: number) => number
    tuned = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) === 1 && mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) === 1
  } catch {
    tuned = false
  }
  return tuned
}
