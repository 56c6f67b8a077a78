// Chinese plates end to end, all through the UI: a folder of plate crops imported with the China
// profile (LPRNet, no detection), one plate corrected in Review by typing a province character (shown
// with a CJK font), found again by search, and exported in the OCR CSV with that character.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, parse } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { SHARED, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const CROPS = join(SHARED, 'datasets/lprnet-plates/crops')
const PICK = ['京PL3N67.jpg', '川JK0707.jpg', '沪AMS087.jpg']
const why = missingPrerequisite() ?? (PICK.every((f) => existsSync(join(CROPS, f))) ? null : `no plate crops at ${CROPS}`)
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')
if (why) console.log(`unicode.spec: skipped: ${why}`)

let app: RunningApp
let page: Page
let src: string

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  page = await browser.newPage()
  src = mkdtempSync(join(tmpdir(), 'platedesk-unicode-src-'))
  for (const f of PICK) copyFileSync(join(CROPS, f), join(src, f))
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

interface PlateRow {
  id: number
  text: string
  box: { x1: number; y1: number; x2: number; y2: number }
}

test('Chinese crops: import with the China profile, correct a province in Review, export the OCR CSV', async () => {
  // the import card: China profile, plate crops (no detection)
  await openApp(page, app, '#/library')
  await page.getByRole('combobox', { name: 'Profile' }).click()
  await page.getByRole('option', { name: 'China' }).click()
  await page.getByRole('checkbox', { name: 'plate crops' }).check()
  await page.getByTestId('import-path').fill(src)
  await page.getByTestId('import-start').click()
  await expect
    .poll(async () => (await app.call<{ state: string } | null>('import.status'))?.state, { timeout: 90_000 })
    .toBe('done')
  const list = await app.call<{ items: PlateRow[]; total: number }>('plates.list', { filter: { state: 'all' }, limit: 50 })
  // one plate per crop, its box the whole 94x24 image, read with the province character
  expect(list.total).toBe(PICK.length)
  for (const p of list.items) expect(p.box).toEqual({ x1: 0, y1: 0, x2: 94, y2: 24 })
  expect(list.items.map((p) => p.text).sort()).toEqual(PICK.map((f) => parse(f).name).sort())

  // Review: the least certain plate first; replace its province by typing 苏
  await page.getByTestId('nav-review').click()
  const input = page.getByTestId('plate-input')
  await expect(input).toBeFocused()
  const id = Number(await input.getAttribute('data-plate-id'))
  const before = list.items.find((p) => p.id === id)!.text
  const corrected = `苏${before.slice(1)}`
  await expect(input).toHaveValue(before)
  await input.press('Control+a')
  await page.keyboard.type(corrected)
  await expect(input).toHaveValue(corrected)
  await page.keyboard.press('Enter')
  await expect.poll(async () => (await app.call<{ text: string }>('plates.get', { id })).text).toBe(corrected)

  // the queue's plate text is drawn with a font that has the glyphs (Chromium says which fonts rendered it)
  const row = page.locator('[data-testid^="queue-row-"]').first()
  await expect(row).toBeVisible()
  const cdp = await page.context().newCDPSession(page)
  // the element whose own text node holds the plate (the CDP call reports a node's child text only)
  const marked = await row.evaluate((el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (/[京川沪苏]/.test(n.textContent ?? '')) {
        n.parentElement!.setAttribute('data-cjk-probe', '1')
        return n.textContent
      }
    }
    return null
  })
  expect(marked).toMatch(/[京川沪苏]/)
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 })
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '[data-cjk-probe]' })
  await cdp.send('CSS.enable')
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId })
  expect(fonts.map((f) => f.familyName).join(', '), 'a CJK font renders the province character').toMatch(/CJK|YaHei|PingFang|Hiragino/i)

  // search finds the corrected plate by its province character
  const found = await app.call<{ items: PlateRow[] }>('plates.list', { filter: { state: 'all', text: '苏' } })
  expect(found.items.map((p) => p.id)).toEqual([id])

  // Export → OCR crops (fast-plate-ocr CSV): the corrected text is in labels.csv, in UTF-8
  await page.getByTestId('nav-export').click()
  const out = join(app.dir, 'ocr')
  await page.getByRole('combobox', { name: 'Format' }).click()
  await page.getByRole('option', { name: 'OCR crops (fast-plate-ocr)' }).click()
  await page.getByTestId('export-out').fill(out)
  await page.getByTestId('export-run').click()
  await expect(page.getByTestId('export-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
  expect(readdirSync(out)).toContain('labels.csv')
  const csv = readFileSync(join(out, 'labels.csv'), 'utf8')
  const rows = csv.trim().split(/\r?\n/).slice(1).map((l) => l.split(','))
  const hit = rows.find((r) => r[1] === corrected)
  expect(hit, `${corrected} in labels.csv:\n${csv}`).toBeTruthy()
  expect(existsSync(join(out, hit![0]!))).toBe(true)
})
