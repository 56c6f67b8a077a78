// Writes N synthetic Romanian plate crops, named by their text (TEXT.jpg), for fine-tuning and
// measuring the CCT recognisers on a plate style they read poorly: rendered DejaVu fonts (mono, serif,
// sans), blurred, rotated, sheared and downscaled like distant dashcam plates (the degradations of
// test/engine/recognizer.test.ts). Deterministic for a seed; every text is unique.
//
//   npx tsx scripts/synth-plate-crops.ts OUT_DIR [N=1000] [SEED=1]
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { renderPlate } from '../test/helpers/synth'

// Romanian county codes (B = Bucharest), the first group of every plate
const COUNTIES = 'AB AG AR B BC BH BN BR BT BV BZ CJ CL CS CT CV DB DJ GJ GL GR HD HR IF IL IS MH MM MS NT OT PH SB SJ SM SV TL TM TR VL VN VS'.split(' ')
const DIGITS = [...'0123456789']
const LETTERS = [...'ABCDEFGHJKLMNPRSTUVWXYZ']

async function main(): Promise<void> {
  const [out, nArg, seedArg] = process.argv.slice(2)
  if (!out) throw new Error('usage: tsx scripts/synth-plate-crops.ts OUT_DIR [N] [SEED]')
  const n = Number(nArg ?? 1000)
  let seed = Number(seedArg ?? 1)
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!
  mkdirSync(out, { recursive: true })
  const seen = new Set<string>()
  while (seen.size < n) {
    const county = pick(COUNTIES)
    // Bucharest has 2- or 3-digit numbers, the counties 2
    const digits = county === 'B' && rnd() < 0.5 ? 3 : 2
    const text = county + Array.from({ length: digits }, () => pick(DIGITS)).join('') + Array.from({ length: 3 }, () => pick(LETTERS)).join('')
    const style = {
      font: pick(['DejaVu Sans', 'DejaVu Sans Mono', 'DejaVu Serif']),
      euBand: rnd() < 0.8,
      blur: rnd() * 2.2,
      rotate: (rnd() - 0.5) * 12,
      shear: (rnd() - 0.5) * 0.4,
      finalWidth: Math.round(60 + rnd() * 160)
    }
    if (seen.has(text)) continue
    seen.add(text)
    const img = await renderPlate({ text, ...style })
    const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer()
    writeFileSync(join(out, `${text}.jpg`), jpeg)
  }
  console.log(`${out}: ${n} synthetic plate crops`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
