// Parked-camera skip, measured: a fixture photo held S seconds (default 4, as in
// test/importer/static-skip.test.ts) then the fixture clip, 8 fps H.264, imported every frame with the
// skip on and off, alternately (R rounds), into fresh libraries with one engine. Prints per run the
// frames skipped, wall time and this process's CPU (engine workers included, ffmpeg not), and the tracks.
//
//   npm run bench:parked [-- --hold S] [--rounds R] [--workers W]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openLibrary } from '../src/main/db/index'
import { createEngine } from '../src/main/engine/index'
import { ImportProfile } from '../src/main/importer/profile'
import { ImportQueue } from '../src/main/importer/queue'
import { ffmpegPath } from '../src/main/media/probe'
import { load, numberFlag } from './bench-lib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name: string, def: number) => numberFlag(args, name, def)
const hold = flag('--hold', 4)
const rounds = flag('--rounds', 2)
if (!process.env.ALPR_MODELS_DIR) process.env.ALPR_MODELS_DIR = join(root, '..', 'shared', 'models')
const fixtures = join(root, '..', 'shared', 'fixtures', 'romania-dashcam')

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-bench-parked-'))
  const engine = await createEngine({ workers: flag('--workers', 2) })
  try {
    const video = join(dir, 'parked.mp4')
    execFileSync(ffmpegPath(), [
      '-v', 'error', '-y', '-loop', '1', '-framerate', '8', '-t', String(hold), '-i', join(fixtures, 'images', 'dayride_type1_001_t1094.jpg'),
      '-i', join(fixtures, 'clip.mp4'),
      '-filter_complex', '[0:v]format=yuv420p,setsar=1[a];[1:v]format=yuv420p,setsar=1,fps=8[b];[a][b]concat=n=2:v=1[v]',
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-r', '8', video
    ])
    const photo = join(fixtures, 'images', 'dayride_type1_001_t1094.jpg')
    await Promise.all(Array.from({ length: 4 }, () => engine.recognizeFile(photo))) // warm-up: ONNX's lazy initialisation
    console.log(`photo held ${hold} s + the 4 s clip, 8 fps; ${engine.status().workers} workers; load ${load()}`)
    let n = 0
    for (let r = 0; r < rounds; r++) {
      for (const skipStatic of [true, false]) {
        const lib = openLibrary(join(dir, `${n++}.db`))
        let skipped = 0
        const profile = new ImportProfile()
        const q = new ImportQueue({ library: lib, engine: async () => engine, profile, onFile: (e) => void (skipped = e.framesSkipped ?? 0) })
        const t0 = performance.now()
        const c0 = process.cpuUsage()
        await q.enqueue([video], { fps: 0, skipStatic })
        await q.idle()
        const c = process.cpuUsage(c0)
        const ms = performance.now() - t0
        const frames = (lib.db.prepare('SELECT COUNT(*) AS n FROM frames').get() as { n: number }).n
        const tracks = (lib.db.prepare('SELECT voted_text AS t FROM tracks ORDER BY 1').all() as { t: string }[]).map((x) => x.t)
        console.log(
          `skip ${skipStatic ? 'on ' : 'off'}: ${frames} frames, ${skipped} skipped, ${(ms / 1000).toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s CPU; tracks ${tracks.join(' ')}; load ${load()}`
        )
        console.log(`  ${profile.summary(1, 'run')}`)
        await q.close()
        lib.close()
      }
    }
  } finally {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
