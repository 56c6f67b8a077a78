// The review screen at a small window (1024x640, where the frame is about 481x270): zoom and pan, handles
// that keep their screen size, the enlarged plate (loupe), the draw shortcut and its hint, toasts, and the
// bulk-confirm threshold. Real backend in web mode, real models, real SQLite.
import Database from 'better-sqlite3'
import { expect, test, type Page } from '@playwright/test'
import { IMAGES, importAndWait, missingPrerequisite, openApp, overlaps, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

interface Box {
  x1: number
  y1: number
  x2: number
  y2: number
}

let app: RunningApp
let page: Page
/** the smallest plate of the fixtures (at least 40 px wide): the hardest to see */
let small: { id: number; box: Box }

function dbBox(id: number): Box {
  const d = new Database(app.dbPath, { readonly: true, fileMustExist: true })
  try {
    return d.prepare('SELECT x1, y1, x2, y2 FROM plates WHERE id = ?').get(id) as Box
  } finally {
    d.close()
  }
}

async function zoom(): Promise<number> {
  return Number(await page.getByTestId('frame').getAttribute('data-zoom'))
}

async function openPlate(id: number): Promise<void> {
  await page.goto(`${app.url}#/review?plate=${id}`)
  await page.reload()
  await expect(page.getByTestId('plate-input')).toHaveAttribute('data-plate-id', String(id))
  await expect(page.getByTestId('current-box')).toBeVisible()
}

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  page = await browser.newPage({ viewport: { width: 1024, height: 640 } })
  await importAndWait(app, [IMAGES])
  const d = new Database(app.dbPath, { readonly: true, fileMustExist: true })
  try {
    const r = d
      .prepare(
        `SELECT id, x1, y1, x2, y2 FROM plates p WHERE x2 - x1 >= 40 AND y1 > 40 AND y2 < 680 AND x1 > 100 AND x2 < 1180
         AND (SELECT COUNT(*) FROM plates q WHERE q.media_id = p.media_id) = 1 ORDER BY x2 - x1 LIMIT 1`
      )
      .get() as { id: number } & Box
    small = { id: r.id, box: { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 } }
  } finally {
    d.close()
  }
  expect(small).toBeTruthy()
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('the wheel zooms around the cursor; + - 0 zoom outside text fields only; a drag pans', async () => {
  await openApp(page, app, '#/review')
  await openPlate(small.id)
  const frame = page.getByTestId('frame')
  expect(await zoom()).toBe(1)
  const fit = (await frame.boundingBox())!
  // the frame at this window size: the problem the issue measured
  expect(fit.width).toBeLessThan(640)

  // wheel over the plate: it grows and stays under the cursor (along each axis where the frame now
  // overflows the viewport without touching an edge: elsewhere it is centred or held at the edge)
  const cb = (await page.getByTestId('current-box').boundingBox())!
  const cx = cb.x + cb.width / 2
  const cy = cb.y + cb.height / 2
  await page.mouse.move(cx, cy)
  await page.mouse.wheel(0, -700)
  await expect.poll(zoom).toBeGreaterThan(3.9)
  const z = await zoom()
  const zoomed = (await frame.boundingBox())!
  expect(zoomed.width).toBeCloseTo(fit.width * z, -1)
  const cb2 = (await page.getByTestId('current-box').boundingBox())!
  // (the box's outline is 2 screen px at any zoom, and counts in its bounding box)
  expect(Math.abs(cb2.width - 2 - (cb.width - 2) * z)).toBeLessThan(1)
  const vp = (await page.getByTestId('frame-viewport').boundingBox())!
  const free = (a: number, size: number, v: number, vsize: number): boolean => a < v - 0.5 && a + size > v + vsize + 0.5
  const freeX = free(zoomed.x, zoomed.width, vp.x, vp.width)
  const freeY = free(zoomed.y, zoomed.height, vp.y, vp.height)
  expect(freeX || freeY).toBe(true)
  if (freeX) expect(Math.abs(cb2.x + cb2.width / 2 - cx)).toBeLessThan(3)
  if (freeY) expect(Math.abs(cb2.y + cb2.height / 2 - cy)).toBeLessThan(3)
  await expect(page.getByTestId('frame-zoom')).toHaveText(`${Math.round(z * 100)}%`)

  // the keys type nothing and zoom nothing while the plate text has the focus
  const input = page.getByTestId('plate-input')
  await expect(input).toBeFocused()
  const text = await input.inputValue()
  await page.keyboard.press('0')
  await page.keyboard.press('-')
  expect(await zoom()).toBe(z)
  await input.fill(text) // '0' is a plate character: it went into the field, as it should
  // outside a text field they zoom
  await page.keyboard.press('Escape')
  await expect(input).not.toBeFocused()
  await page.keyboard.press('0')
  await expect.poll(zoom).toBe(1)
  await page.keyboard.press('+')
  await expect.poll(zoom).toBe(1.5)
  await page.keyboard.press('+')
  await expect.poll(zoom).toBe(2.25)
  await page.keyboard.press('-')
  await expect.poll(zoom).toBe(1.5)

  // pan: drag empty space (beside the picture too); the frame follows the pointer as far as it can
  // while covering the viewport (along an axis where it is smaller, it stays centred)
  const before = (await frame.boundingBox())!
  const sx = vp.x + 6
  const sy = vp.y + 6
  await page.mouse.move(sx, sy)
  await page.mouse.down()
  await page.mouse.move(sx + 30, sy + 20, { steps: 4 })
  await page.mouse.move(sx + 60, sy + 40, { steps: 4 })
  await page.mouse.up()
  const after = (await frame.boundingBox())!
  const panned = (pos: number, size: number, v: number, vsize: number, d: number): number =>
    size <= vsize ? pos : Math.min(v, Math.max(v + vsize - size, pos + d))
  expect(after.x).toBeCloseTo(panned(before.x, before.width, vp.x, vp.width, 60), 0)
  expect(after.y).toBeCloseTo(panned(before.y, before.height, vp.y, vp.height, 40), 0)
  expect(Math.abs(after.x - before.x) + Math.abs(after.y - before.y)).toBeGreaterThan(5)
  expect(await zoom()).toBe(1.5)
  await page.keyboard.press('0')
  await expect.poll(zoom).toBe(1)
})

test('shows the small plate enlarged beside it, large enough to read', async () => {
  await openPlate(small.id)
  const loupe = page.getByTestId('loupe')
  await expect(loupe).toBeVisible()
  await expect(loupe.locator('img')).toBeVisible()
  const box = dbBox(small.id)
  const lb = (await page.getByTestId('loupe-box').boundingBox())!
  const onFrame = (await page.getByTestId('current-box').boundingBox())!
  // at least 3x the source pixels, and far larger than the frame shows it
  expect(lb.width).toBeGreaterThanOrEqual(3 * (box.x2 - box.x1) - 1)
  expect(lb.width).toBeGreaterThan(4 * onFrame.width)
  // it does not hide the plate on the frame
  expect(overlaps((await loupe.boundingBox())!, onFrame)).toBe(false)
  // zoomed in far enough, the frame shows the plate large itself: no loupe
  await page.mouse.move(onFrame.x + onFrame.width / 2, onFrame.y + onFrame.height / 2)
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -400)
  await expect(loupe).toBeHidden()
  await page.getByTestId('zoom-fit').click()
})

test('handles keep their screen size and leave the plate visible; a handle drag at 2x moves the corner in image pixels', async () => {
  await openPlate(small.id)
  // (the corner handles are always there; the middle ones only on a box long enough for three)
  const handle = page.getByTestId('handle-se')
  const hb1 = (await handle.boundingBox())!
  const box1 = (await page.getByTestId('current-box').boundingBox())!
  // the handles sit beside the box, not over the plate
  const inner = (b: { x: number; y: number; width: number; height: number }) => ({ x: b.x + 2, y: b.y + 2, width: b.width - 4, height: b.height - 4 }) // inside the outlines
  for (const h of ['nw', 'ne', 'se', 'sw']) expect(overlaps((await page.getByTestId(`handle-${h}`).boundingBox())!, inner(box1))).toBe(false)

  const cb = box1
  await page.mouse.move(cb.x + cb.width / 2, cb.y + cb.height / 2)
  await page.mouse.wheel(0, -350) // about 2x
  await expect.poll(zoom).toBeGreaterThan(1.9)
  const box2 = (await page.getByTestId('current-box').boundingBox())!
  const hb2 = (await handle.boundingBox())!
  expect(box2.width - 2).toBeGreaterThan((box1.width - 2) * 1.9)
  // the same size on screen at 2x, still beside the box
  expect(Math.abs(hb2.width - hb1.width)).toBeLessThan(0.5)
  expect(hb2.width).toBeLessThan(10)
  expect(overlaps(hb2, inner(box2))).toBe(false)

  // drag the south-east handle 40 screen px right: the box's x2 grows by 40 / scale image pixels, the rest stays
  const scale = Number(await page.getByTestId('frame').getAttribute('data-scale'))
  const before = dbBox(small.id)
  const hx = hb2.x + hb2.width / 2
  const hy = hb2.y + hb2.height / 2
  await page.mouse.move(hx, hy)
  await page.mouse.down()
  await page.mouse.move(hx + 20, hy, { steps: 4 })
  await page.mouse.move(hx + 40, hy, { steps: 4 })
  await page.mouse.up()
  await expect.poll(() => dbBox(small.id).x2).not.toBe(before.x2)
  const after = dbBox(small.id)
  expect(Math.abs(after.x2 - (before.x2 + 40 / scale))).toBeLessThanOrEqual(2)
  // (a saved box is whole pixels)
  expect(Math.abs(after.x1 - before.x1)).toBeLessThanOrEqual(0.5)
  expect(Math.abs(after.y1 - before.y1)).toBeLessThanOrEqual(0.5)
  expect(Math.abs(after.y2 - before.y2)).toBeLessThanOrEqual(1)
  // the zoom stays while the edited plate comes back
  expect(await zoom()).toBeGreaterThan(1.9)
  await page.getByTestId('zoom-fit').click()
  await expect.poll(zoom).toBe(1)
})

test('the draw hint names the shortcut that works, and it types nothing into the plate text', async () => {
  await openPlate(small.id)
  const input = page.getByTestId('plate-input')
  await expect(input).toBeFocused()
  const text = await input.inputValue()
  const hint = page.getByText('draws a missed plate')
  await expect(hint).toBeVisible()
  // press what the hint says, with the focus where the review keeps it
  const key = (await hint.locator('kbd').last().textContent())!.trim()
  await page.keyboard.press(key.replace(/B$/, 'b'))
  await expect(page.getByTestId('draw-hint')).toBeVisible()
  await expect(input).toHaveValue(text)
  expect(key).toBe('Alt+B')
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('draw-hint')).toBeHidden()
})

test('a message shows away from the frame and goes when the review moves to another plate', async () => {
  await openPlate(small.id)
  const input = page.getByTestId('plate-input')
  await expect(input).toBeFocused()
  await page.keyboard.press('Control+a')
  await page.keyboard.press('Backspace')
  await expect(input).toHaveValue('')
  await page.keyboard.press('Enter') // nothing typed: a warning
  const toast = page.getByTestId('notify')
  await expect(toast).toContainText('Type the plate text')
  expect(overlaps((await toast.boundingBox())!, (await page.getByTestId('frame').boundingBox())!)).toBe(false)
  await page.keyboard.press('PageDown')
  await expect(input).not.toHaveAttribute('data-plate-id', String(small.id))
  await expect(toast).toBeHidden({ timeout: 2000 })
})

test('the bulk-confirm threshold is shown in full inside the dialog', async () => {
  await openPlate(small.id)
  await page.getByTestId('btn-bulk').click()
  const value = page.getByTestId('bulk-threshold')
  await expect(value).toHaveText('95%')
  // The dialog is centred and grows when its sample of plates arrives, so wait for the sample, let the
  // opening transition end (not another dialog closing), and take both boxes in one go: measured one
  // after the other, the sample arriving in between moved the dialog by 130 px (a flake in CI).
  await expect(page.getByTestId('bulk-count')).toContainText('would be confirmed')
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity))
  const [content, vb] = await value.evaluate((el) => {
    const box = (r: DOMRect) => ({ x: r.x, y: r.y, width: r.width, height: r.height })
    return [box(el.closest('.MuiDialogContent-root')!.getBoundingClientRect()), box(el.getBoundingClientRect())]
  })
  expect(vb.y).toBeGreaterThanOrEqual(content.y)
  expect(vb.x + vb.width).toBeLessThanOrEqual(content.x + content.width)
  expect(vb.y + vb.height).toBeLessThanOrEqual(content.y + content.height)
  // and it follows the slider
  await page.getByRole('slider', { name: 'bulk confirm threshold' }).focus()
  await page.keyboard.press('ArrowLeft')
  await expect(value).toHaveText('94%')
  await page.keyboard.press('Escape')
  await expect(value).toBeHidden()
})
