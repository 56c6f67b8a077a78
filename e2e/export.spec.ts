// Review → training data: a plate corrected in the UI comes out of the export with the corrected text.
import { copyFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { IMAGES, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')
if (why) console.log(`export.spec: skipped: ${why}`)

let app: RunningApp
let page: Page

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  page = await browser.newPage()
  // a few frames are enough: the import UI itself is covered by review.spec
  const src = mkdtempSync(join(tmpdir(), 'platedesk-export-src-'))
  for (const f of readdirSync(IMAGES).sort().slice(0, 4)) copyFileSync(join(IMAGES, f), join(src, f))
  await app.call('library.import', { paths: [src] })
  await expect
    .poll(async () => (await app.call<{ state: string } | null>('import.status'))?.state, { timeout: 60_000 })
    .toBe('done')
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('a correction typed in the review screen is in the exported CSV report', async () => {
  await openApp(page, app, '#/review')
  const input = page.getByTestId('plate-input')
  await expect(input).toBeFocused()
  const id = Number(await input.getAttribute('data-plate-id'))
  expect(id).toBeGreaterThan(0)
  await page.keyboard.type('CZ 99 XYZ')
  await page.keyboard.press('Enter')
  await expect
    .poll(async () => (await app.call<{ text: string; reviewState: string }>('plates.get', { id })).text)
    .toBe('CZ99XYZ')

  await page.getByTestId('nav-export').click()
  const out = join(app.dir, 'report')
  await page.getByRole('combobox', { name: 'Format' }).click()
  await page.getByRole('option', { name: 'CSV report' }).click()
  await page.getByTestId('export-out').fill(out)
  await page.getByTestId('export-run').click()
  await expect(page.getByTestId('export-progress')).toHaveAttribute('data-state', 'done', { timeout: 30_000 })

  const csv = readdirSync(out).find((f) => f.endsWith('.csv'))
  expect(csv, `a CSV file in ${out}`).toBeTruthy()
  const lines = readFileSync(join(out, csv!), 'utf8').trim().split(/\r?\n/)
  const header = lines[0].split(',')
  const rows = lines.slice(1).map((l) => l.split(','))
  const textCol = header.findIndex((h) => /^(plate|text|plate_text)$/.test(h))
  const stateCol = header.findIndex((h) => /review/.test(h))
  expect(textCol).toBeGreaterThanOrEqual(0)
  const hit = rows.filter((r) => r[textCol] === 'CZ99XYZ')
  expect(hit).toHaveLength(1)
  // reviewed plates only by default: the corrected one, nothing unreviewed
  expect(hit[0][stateCol]).toMatch(/corrected|manual/)
  expect(rows.every((r) => r[stateCol] !== 'unreviewed')).toBe(true)
})
