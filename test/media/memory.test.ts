// Issue 9, item 4: previews and decodes of oversized media are size-bounded. Each case runs in a fresh
// process (scripts/bench-memory.ts, also `npm run bench:memory`) whose peak RSS, plus that of the
// ffmpeg processes it starts, must stay under 1 GB. Before: 2.4 GB for three PNG thumbnails (full
// 16000x16000 decodes), 1.3 GB + 2.2 GB of ffmpeg for three video previews, 1.9 GB to refuse a sparse .jpg.
import { describe, expect, it } from 'vitest'
import { runCaseInChild, type CaseName } from '../../scripts/bench-memory'

const GB = 1024
const run = async (name: CaseName) => {
  const r = await runCaseInChild(name)
  console.log(`${name}: node ${r.maxRssMB.toFixed(0)} MB + ffmpeg ${r.childrenPeakMB.toFixed(0)} MB, ${(r.ms / 1000).toFixed(1)} s`)
  return r
}

describe('size-bounded previews and decodes (peak RSS of a fresh process)', () => {
  it('three parallel 256-px thumbnails of a 16000x16000 PNG stay under 1 GB', async () => {
    const r = await run('png-thumbs')
    expect(r.results).toEqual(['256x256', '256x256', '256x256'])
    expect(r.maxRssMB + r.childrenPeakMB).toBeLessThan(GB)
  }, 300_000)

  it('three parallel plate crops of the same PNG stay under 1 GB', async () => {
    const r = await run('png-crops')
    // 300x80 crops enlarged to fit 256
    expect(r.results).toEqual(['256x68', '256x68', '256x68'])
    expect(r.maxRssMB + r.childrenPeakMB).toBeLessThan(GB)
  }, 300_000)

  it('three parallel engine decodes of the PNG (as three import workers do) stay under 1 GB', async () => {
    const r = await run('png-decode')
    expect(r.results).toEqual(Array(3).fill('2560x2560 of 16000x16000'))
    expect(r.maxRssMB + r.childrenPeakMB).toBeLessThan(GB)
  }, 300_000)

  it('three parallel thumbnails of an 8192x8192 video frame stay under 1 GB, ffmpeg included', async () => {
    const r = await run('video-thumbs')
    expect(r.results).toEqual(['256x256', '256x256', '256x256'])
    if (process.platform === 'linux') expect(r.childrenPeakMB).toBeGreaterThan(0) // the ffmpeg processes were seen in /proc
    expect(r.maxRssMB + r.childrenPeakMB).toBeLessThan(GB)
  }, 300_000)

  it('a 1.9 GB sparse .jpg is refused with a clear error without being read into memory', async () => {
    const r = await run('sparse-jpg')
    for (const line of r.results) expect(line).toMatch(/sparse-1\.9G\.jpg: .*not an image: the file starts with zero bytes/)
    expect(r.maxRssMB).toBeLessThan(400)
  }, 300_000)

  it('a PNG whose header claims 50000x50000 is refused by the pixel limit, naming the file and its size', async () => {
    const r = await run('bomb-png')
    for (const line of r.results) expect(line).toMatch(/bomb-50000\.png: image too large: 50000x50000 \(2500 MP\) is over the limit of 268 MP/)
    expect(r.maxRssMB).toBeLessThan(400)
  }, 300_000)
})
