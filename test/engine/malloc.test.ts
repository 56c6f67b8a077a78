// malloc.ts: on Linux/glibc the engine keeps large blocks in the heap, so decoding frame after frame
// reuses pages instead of faulting in fresh ones. Each case runs in its own process (mallopt is
// process-wide and cannot be undone): the same decodes of the fixture frames, tuned and not.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()
const linuxGlibc = process.platform === 'linux' && !!(process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime

const SCRIPT = `
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { tuneMalloc } from './src/main/engine/malloc.ts'
import { decodeImageBuffer } from './src/main/media/images.ts'
sharp.concurrency(1) // as in the engine's workers
sharp.cache(false)
const tuned = tuneMalloc()
const dir = process.argv[1]
const bufs = readdirSync(dir).filter((f) => f.endsWith('.jpg')).map((f) => readFileSync(join(dir, f)))
for (const b of bufs) await decodeImageBuffer(b, 'warm-up')
const f0 = process.resourceUsage().minorPageFault
let n = 0
for (let r = 0; r < 6; r++) for (const b of bufs) { await decodeImageBuffer(b, 'x'); n++ }
console.log(JSON.stringify({ tuned, faults: (process.resourceUsage().minorPageFault - f0) / n }))
`

function run(tuning: '0' | '1'): { tuned: boolean; faults: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, `${FIX}/images`], {
    encoding: 'utf8',
    env: { ...process.env, PLATEDESK_MALLOC_TUNING: tuning }
  })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!)
}

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON, !linuxGlibc && 'Linux with glibc only'))('malloc tuning', () => {
  it('is applied on Linux/glibc and cuts the page faults of decoding 720p frames', () => {
    const off = run('0')
    const on = run('1')
    console.log(`minor page faults per 720p JPEG decode: ${off.faults.toFixed(0)} untuned, ${on.faults.toFixed(0)} tuned`)
    expect(off.tuned).toBe(false)
    expect(on.tuned).toBe(true)
    expect(on.faults).toBeLessThan(off.faults * 0.6) // measured 65-134 vs 287-428
  }, 60_000)
})
