// Video import benchmark: a 60 s, 8 fps video (the fixture clip looped 15 times, stream-copied, so its
// 480 frames are the clip's 32 frames over and over) imported into a fresh library, between two
// engine-only runs over the same 480 decoded frames with the same engine. Prints frames/s of both,
// their ratio, CPU per frame, peak RSS, where the import's time went, and the tracks' texts (reads
// must not change with speed work).
//
//   npm run bench:video [-- --workers W] [--seconds S] [--window N]
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openLibrary } from '../src/main/db/index'
import { createEngine } from '../src/main/engine/index'
import type { RawImage } from '../src/main/engine/types'
import { ImportProfile } from '../src/main/importer/profile'
import { ImportQueue } from '../src/main/importer/queue'
import { DEFAULT_MAX_SIDE } from '../src/main/media/images'
import { ffmpegPath } from '../src/main/media/probe'
import { decodeVideo } from '../src/main/media/video'
import { engineFrames, feed, line, load, measure, rate, ratio, type Phase } from './bench-lib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const workers = Number(flag('--workers') ?? Math.min(2, availableParallelism()))
const seconds = Number(flag('--seconds') ?? 60)
if (!process.env.ALPR_MODELS_DIR) process.env.ALPR_MODELS_DIR = join(root, '..', 'shared', 'models')
const clip = join(root, '..', 'shared', 'fixtures', 'romania-dashcam', 'clip.mp4')

async function main(): Promise<void> {
  if (!existsSync(clip)) throw new Error(`fixture clip not found: ${clip}`)
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-bench-video-'))
  try {
    const video = join(dir, `loop${seconds}.mp4`)
    const loops = Math.max(1, Math.round(seconds / 4))
    execFileSync(ffmpegPath(), ['-v', 'error', '-stream_loop', String(loops - 1), '-i', clip, '-c', 'copy', '-y', video])
    const frames: RawImage[] = []
    for await (const f of decodeVideo(clip, { maxSide: DEFAULT_MAX_SIDE })) frames.push(f.image)
    const total = frames.length * loops
    const engine = await createEngine({ workers })
    const w = engine.status().workers
    const tids = engine.threadIds?.() ?? []
    console.log(`${w} workers, ${frames.length} clip frames x ${loops} = ${total} frames of ${frames[0]!.width}x${frames[0]!.height}; load ${load()}`)
    const depth = w * 2 + 1
    await engineFrames(engine, frames, w * 2, depth) // warm-up: ONNX's lazy initialisation

    const engineRun = (name: string) => measure(name, w, () => engineFrames(engine, frames, total, depth), tids)
    const runs: Phase[] = [await engineRun('engine only')]
    console.log(line(runs[0]!, 'frames'))
    const importRun = async (name: string, videoWindow?: number) => {
      const lib = openLibrary(join(dir, `${name.replace(/\W+/g, '-')}.db`))
      const profile = new ImportProfile()
      const queue = new ImportQueue({ library: lib, engine: async () => engine, profile, videoWindow })
      const phase = await measure(name, w, async () => {
        // every frame through the engine, like the engine-only runs (this measures the import's overhead
        // per frame): every second frame of the clip repeats the one before it, which the skip would not send
        await queue.enqueue([video], { fps: 0, skipStatic: false })
        await queue.idle()
        return { items: profile.frames, workerMs: profile.workerMs }
      }, tids)
      console.log(line(phase, 'frames'))
      return { lib, profile, phase }
    }
    const { lib, profile, phase: imp } = await importRun('video import')
    // --window N: the same import with N frames in flight instead of the default, for an A/B in one run
    const other = flag('--window')
    if (other) (await importRun(`window ${other}`, Number(other))).lib.close()
    runs.push(await engineRun('engine only'))
    console.log(line(runs[1]!, 'frames'))
    const frameRows = (lib.db.prepare('SELECT COUNT(*) AS n FROM frames').get() as { n: number }).n
    const media = lib.db.prepare('SELECT status, error FROM media').get() as { status: string; error: string | null }
    if (frameRows !== total || media.status !== 'done') throw new Error(`import incomplete: ${frameRows} of ${total} frames, ${media.status} ${media.error ?? ''}`)
    console.log(`import time per frame: ${profile.summary(profile.frames, 'frame')}`)
    const texts = (lib.db.prepare(`SELECT voted_text AS t FROM tracks ORDER BY first_frame, id`).all() as { t: string }[]).map((r) => r.t)
    const reads = lib.db.prepare('SELECT COUNT(*) AS n FROM reads').get() as { n: number }
    console.log(`${texts.length} tracks, ${reads.n} reads; distinct track texts: ${[...new Set(texts)].sort().join(' ')}`)
    console.log(ratio(runs, imp, 'frames'))
    // the reference: `platedesk bench` (the engine on the 1280x720 fixture JPEGs, decoded in the workers)
    const jpegs = readdirSync(join(dirname(clip), 'images')).filter((f) => f.endsWith('.jpg')).map((f) => join(dirname(clip), 'images', f))
    const seq = Array.from({ length: total }, (_, i) => jpegs[i % jpegs.length]!)
    const jp = await measure('engine (JPEGs)', w, () => feed(seq, depth, (f) => engine.recognizeFile(f)), tids)
    console.log(line(jp, 'images'))
    console.log(`RESULT vs the engine on the fixture JPEGs (platedesk bench): ${(rate(imp) / rate(jp)).toFixed(2)}x`)
    lib.close()
    await engine.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
