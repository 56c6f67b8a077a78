// Country rules through the backend: rule files listed, saved (validation errors, nothing written),
// overridden and reverted in the user's folder; an import of real plate crops with the rules on records
// the model's own reading and the rule in the library (migration 007) and plates.get reports it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackend, type Backend } from '../../src/main/services/app'
import { MODELS_SKIP_REASON, REPO_ROOT, modelsDir, skipReason } from '../helpers/models'
import { renderPlate } from '../helpers/synth'

const dir = mkdtempSync(join(tmpdir(), 'platedesk-rules-'))
const userRules = join(dir, 'rules')
const before = process.env.PLATEDESK_RULES_DIR
process.env.PLATEDESK_RULES_DIR = userRules
afterAll(() => {
  if (before === undefined) delete process.env.PLATEDESK_RULES_DIR
  else process.env.PLATEDESK_RULES_DIR = before
  rmSync(dir, { recursive: true, force: true })
})

describe('rule files through the API', () => {
  let b: Backend
  beforeAll(async () => {
    b = await createBackend({ dbPath: join(dir, 'files.db'), mode: 'web', user: 'test' })
  })
  afterAll(async () => b?.close())

  it('lists the shipped files, refuses an invalid save with its errors, overrides and reverts', async () => {
    const list = await b.call('rules.list', {})
    expect(list.map((r) => r.id)).toEqual(readdirSync(join(REPO_ROOT, 'rules')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort())
    expect(list.find((r) => r.id === 'romania')).toMatchObject({ country: 'Romania', source: 'shipped', enabled: true, errors: [] })

    const { text } = await b.call('rules.get', { id: 'romania' })
    const bad = await b.call('rules.save', { id: 'romania', text: text.replace('[B] D{2,3}', 'B D{2,3}') })
    expect(bad.rule).toBeNull()
    expect(bad.errors[0]).toMatch(/^formats\.0\.pattern: unexpected 'B' at 1/)
    expect(existsSync(join(userRules, 'romania.json'))).toBe(false) // nothing written

    const edited = JSON.parse(text) as { formats: { name: string; pattern: string }[] }
    edited.formats.push({ name: 'Diplomatic', pattern: '[C][D] D{3}' })
    const ok = await b.call('rules.save', { id: 'romania', text: JSON.stringify(edited, null, 2) })
    expect(ok.errors).toEqual([])
    expect(ok.rule).toMatchObject({ id: 'romania', source: 'edited', formats: 4 })
    expect(readFileSync(join(userRules, 'romania.json'), 'utf8')).toContain('Diplomatic')

    // a broken file put there by hand is listed with its error, naming the file, and switched off
    mkdirSync(userRules, { recursive: true })
    writeFileSync(join(userRules, 'broken.json'), '{ "country": "Nowhere", ')
    const withBroken = await b.call('rules.list', {})
    const broken = withBroken.find((r) => r.id === 'broken')!
    expect(broken.enabled).toBe(false)
    expect(broken.errors[0]).toContain(join(userRules, 'broken.json'))
    expect(broken.errors[0]).toMatch(/not valid JSON/)

    const after = await b.call('rules.delete', { id: 'romania' })
    expect(after.find((r) => r.id === 'romania')).toMatchObject({ source: 'shipped', formats: 3 })
    await expect(b.call('rules.get', { id: '../etc/passwd' })).rejects.toThrow(/not a rule file name/)
  })
})

describe.skipIf(skipReason(!modelsDir() && MODELS_SKIP_REASON))('reads record the rule', () => {
  it('an import with default country Romania keeps the model reading and the rule; plates.get shows them', async () => {
    const crops = join(dir, 'crops')
    mkdirSync(crops, { recursive: true })
    // look-alike glyphs where Romanian syntax needs digits (the rule fixes it), a vanity plate (kept, flagged)
    for (const [name, text] of [['a', 'SB9OTZI'], ['b', 'MIHAI1'], ['c', 'B57ZFA']] as const) {
      const img = await renderPlate({ text, euBand: true })
      await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(join(crops, `${name}.png`))
    }
    const b = await createBackend({ dbPath: join(dir, 'reads.db'), mode: 'web', user: 'test' })
    try {
      // the region head calls synthetic plates British or Maltese: only Romania's rule stays on
      const others = (await b.call('rules.list', {})).map((r) => r.id).filter((id) => id !== 'romania')
      const s = await b.call('settings.set', { defaultCountry: 'Romania', disabledRules: others })
      expect(s).toMatchObject({ countryRules: true, defaultCountry: 'Romania' })
      await b.call('library.import', { paths: [crops], crops: true })
      await expect.poll(async () => (await b.call('import.status', {}))?.state, { timeout: 120_000, interval: 200 }).toBe('done')
      const rows = (await b.call('plates.list', { filter: { state: 'all' } })).items
      const detail = async (text: string) => b.call('plates.get', { id: rows.find((r) => r.text === text)!.id })
      expect(rows.map((r) => r.text).sort()).toEqual(['B57ZFA', 'MIHAI1', 'SB90TZI'])
      expect((await detail('SB90TZI')).rule).toEqual({ country: 'Romania', modelText: 'SB9OTZI', changed: true })
      expect((await detail('MIHAI1')).rule).toEqual({ country: 'Romania', modelText: 'MIHAI1', changed: false })
      expect((await detail('B57ZFA')).rule).toBeNull()

      // rules off: the next import reads as the model does (the engine restarted on the settings change)
      await b.call('settings.set', { countryRules: false })
      const again = join(dir, 'again')
      mkdirSync(again)
      const img = await renderPlate({ text: 'SB9OTZI', euBand: true, rotate: 0.5 })
      await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(join(again, 'a.png'))
      await b.call('library.import', { paths: [again], crops: true })
      await expect.poll(async () => (await b.call('import.status', {}))?.state, { timeout: 120_000, interval: 200 }).toBe('done')
      const all = (await b.call('plates.list', { filter: { state: 'all' } })).items
      expect(all).toHaveLength(4)
      const fresh = all.find((r) => !rows.some((o) => o.id === r.id))!
      expect((await b.call('plates.get', { id: fresh.id })).rule).toBeNull()
    } finally {
      await b.close()
    }
  }, 300_000)
})
