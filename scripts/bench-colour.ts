// Colour-profiled photos: the engine's decode and the Review screen's preview of JPEGs with no profile,
// an sRGB one and a Display P3 one (fixture frames, at 720p and scaled to 12 MP), each beside libvips
// converting the whole image to sRGB through the profile, which is what both did before (media/icc.ts).
// Prints CPU ms per engine decode and wall ms per 1280-px preview, one thread, interleaved rounds. The
// libvips references skip previewImageFile's file checks and header pass: the "no profile" rows show
// what those cost (~1-4 ms).
//
//   npm run bench:colour [-- --rounds 3]
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { decodeImageBuffer, previewImageFile } from '../src/main/media/images'

sharp.concurrency(1) // as in the engine's workers
sharp.cache(false)
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 3) || 3
const fixtures = join(root, '..', 'shared', 'fixtures', 'romania-dashcam', 'images')
const frame = readFileSync(join(fixtures, readdirSync(fixtures).filter((f) => f.endsWith('.jpg')).sort()[3]!))
const dir = mkdtempSync(join(tmpdir(), 'platedesk-colour-'))

/** the old way: libvips converts through the embedded profile, at full size */
const managedDecode = (b: Buffer) =>
  sharp(b, { failOn: 'truncated', autoOrient: true })
    .resize({ width: 2560, height: 2560, fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer()
const managedPreview = (f: string) =>
  sharp(f, { failOn: 'none', autoOrient: true, sequentialRead: true })
    .resize({ width: 1280, height: 1280, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .jpeg({ quality: 85 })
    .toBuffer()

async function cpuMs(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn()
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await fn()
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / 1000 / n
}
async function wallMs(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn()
  const t = performance.now()
  for (let i = 0; i < n; i++) await fn()
  return (performance.now() - t) / n
}

try {
  const big = await sharp(frame).resize(4032, 3024, { fit: 'fill' }).toBuffer()
  const cases: { name: string; jpeg: Buffer; file: string; n: number }[] = []
  for (const [size, src, n] of [['720p', frame, 20], ['12 MP', big, 4]] as const) {
    for (const profile of ['none', 'srgb', 'p3'] as const) {
      let img = sharp(src)
      if (profile !== 'none') img = img.withIccProfile(profile)
      const jpeg = await img.jpeg({ quality: 90 }).toBuffer()
      const file = join(dir, `${size.replace(' ', '')}-${profile}.jpg`)
      writeFileSync(file, jpeg)
      cases.push({ name: `${size} ${profile === 'none' ? 'no profile' : profile}`, jpeg, file, n })
    }
  }
  console.log('case              engine decode CPU ms (libvips-managed → now)   preview 1280 px wall ms (managed → now)')
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const d0 = await cpuMs(c.n, () => managedDecode(c.jpeg))
      const d1 = await cpuMs(c.n, () => decodeImageBuffer(c.jpeg, c.file))
      const p0 = await wallMs(c.n, () => managedPreview(c.file))
      const p1 = await wallMs(c.n, () => previewImageFile(c.file, { maxSide: 1280 }))
      console.log(`${c.name.padEnd(16)}  ${d0.toFixed(1).padStart(6)} → ${d1.toFixed(1).padStart(6)}${' '.repeat(30)}${p0.toFixed(1).padStart(6)} → ${p1.toFixed(1).padStart(6)}`)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
