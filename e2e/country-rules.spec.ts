// Country rules through the UI against the real backend (web mode, real models, real SQLite): Settings
// lists the rule files, sets the default country, switches a rule off and shows a rule file's validation
// errors; Review says when a rule changed the model's reading (and what the model read), and when a
// reading breaks the country's syntax but was kept.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { expect, test, type Page } from '@playwright/test'
import { SCREENSHOTS, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'
import { renderPlate } from '../test/helpers/synth'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

let app: RunningApp
let page: Page
let dir: string

test.beforeAll(async ({ browser }) => {
  dir = mkdtempSync(join(tmpdir(), 'platedesk-rules-e2e-'))
  const crops = join(dir, 'crops')
  mkdirSync(crops)
  // drawn with O where Romanian syntax needs a digit (the rule fixes it), and a vanity plate (kept, flagged)
  for (const [name, text] of [['a', 'SB9OTZI'], ['b', 'MIHAI1']] as const) {
    const img = await renderPlate({ text, euBand: true })
    await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(join(crops, `${name}.png`))
  }
  app = await startApp({ env: { PLATEDESK_RULES_DIR: join(dir, 'user-rules') } })
  page = await browser.newPage()
})

test.afterAll(async () => {
  await page?.close()
  await app?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('Settings: rule files, default country, a rule switched off, validation errors shown', async () => {
  await openApp(page, app, '#/settings')
  const card = page.getByTestId('country-rules')
  await expect(card.getByTestId('rules-row-romania')).toContainText('Romania')
  await expect(card.getByTestId('rules-row-united-kingdom')).toBeVisible()

  await card.getByTestId('rules-default-country').locator('..').click()
  await page.getByRole('option', { name: 'Romania', exact: true }).click()
  await expect.poll(async () => (await app.call<{ defaultCountry: string }>('settings.get')).defaultCountry).toBe('Romania')

  // the region head calls synthetic plates British or Maltese: switch the UK rule off here, the rest below
  await card.getByRole('switch', { name: 'use United Kingdom' }).click()
  await expect.poll(async () => (await app.call<{ disabledRules: string[] }>('settings.get')).disabledRules).toEqual(['united-kingdom'])

  await card.getByTestId('rules-row-romania').getByRole('button', { name: 'Edit' }).click()
  const text = page.getByTestId('rule-text')
  await expect(text).toHaveValue(/Vehicle_registration_plates_of_Romania/)
  await text.fill((await text.inputValue()).replace('[B] D{2,3}', 'B D{2,3}'))
  await page.getByTestId('rule-save').click()
  await expect(page.getByTestId('rule-errors')).toContainText("formats.0.pattern: unexpected 'B' at 1")
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(card.getByTestId('rules-row-romania')).not.toContainText('edited') // nothing was saved
  mkdirSync(SCREENSHOTS, { recursive: true })
  await card.screenshot({ path: join(SCREENSHOTS, 'settings-country-rules.png') })

  // export a rule file, import it under another name (the user's own), then delete it
  const download = page.waitForEvent('download')
  await card.getByTestId('rules-row-hungary').getByRole('button', { name: 'Export' }).click()
  const file = await download
  expect(file.suggestedFilename()).toBe('hungary.json')
  const exported = readFileSync(await file.path(), 'utf8')
  expect(JSON.parse(exported)).toMatchObject({ country: 'Hungary' })
  await card.getByTestId('rules-import-input').setInputFiles({
    name: 'Hungary Copy.json',
    mimeType: 'application/json',
    buffer: Buffer.from(exported.replace('"Hungary"', '"Hungary (copy)"'))
  })
  await expect(page.getByTestId('rule-id')).toHaveValue('hungary-copy')
  await page.getByTestId('rule-save').click()
  const row = card.getByTestId('rules-row-hungary-copy')
  await expect(row).toContainText('Hungary (copy)')
  await expect(row).toContainText('user')
  expect(existsSync(join(dir, 'user-rules', 'hungary-copy.json'))).toBe(true)
  await row.getByRole('button', { name: 'Delete' }).click()
  await expect(row).toHaveCount(0)
})

test('Review: the rule that changed a reading, with the model\'s own, and a kept reading flagged', async () => {
  const list = await app.call<{ id: string }[]>('rules.list')
  await app.call('settings.set', { disabledRules: list.map((r) => r.id).filter((id) => id !== 'romania') })
  const { jobId } = await app.call<{ jobId: number }>('library.import', { paths: [join(dir, 'crops')], crops: true })
  await expect
    .poll(async () => (await app.call<{ jobId: number; state: string } | null>('import.status'))?.state, { timeout: 120_000 })
    .toBe('done')
  expect(jobId).toBeGreaterThan(0)
  const plates = (await app.call<{ items: { id: number; text: string }[] }>('plates.list', { filter: { state: 'all' } })).items
  const fixed = plates.find((p) => p.text === 'SB90TZI')!
  const vanity = plates.find((p) => p.text === 'MIHAI1')!

  await page.goto(`${app.url}#/review?plate=${fixed.id}`)
  await expect(page.getByTestId('plate-input')).toHaveAttribute('data-plate-id', String(fixed.id))
  const note = page.getByTestId('rule-note')
  await expect(note).toHaveText('Rule Romania changed SB9OTZI → SB90TZI')
  await expect(note).toHaveAttribute('data-rule-changed', 'true')
  await expect(page.getByTestId('plate-input')).toHaveValue('SB90TZI')
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, 'review-country-rule.png') })

  await page.goto(`${app.url}#/review?plate=${vanity.id}`)
  await expect(page.getByTestId('plate-input')).toHaveAttribute('data-plate-id', String(vanity.id))
  await expect(note).toContainText("MIHAI1 breaks Romania's plate syntax")
  await expect(note).toHaveAttribute('data-rule-changed', 'false')
})
