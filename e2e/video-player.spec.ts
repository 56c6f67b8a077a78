// The Video screen's player on the real fixture clip, imported through the real engine in web mode and
// played by Debian's Chromium: play, pause, step, jump to a track from the timeline, correct its text
// (the track list and Review agree), split and merge with undo, and the placeholder while a frame loads.
import { expect, test, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { FIXTURES, SCREENSHOTS, importAndWait, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.skip(!!why, why ?? '')

interface Track {
  id: number
  plateId: number | null
  text: string
  firstFrame: number
  lastFrame: number
  detections: number
}

let app: RunningApp
let mediaId: number
test.beforeAll(async () => {
  app = await startApp()
  await importAndWait(app, [join(FIXTURES, 'clip.mp4')])
  const media = await app.call<{ items: { id: number; kind: string }[] }>('media.list', {})
  mediaId = media.items.find((m) => m.kind === 'video')!.id
})
test.afterAll(async () => {
  await app?.stop()
})

const tracksNow = (): Promise<Track[]> => app.call<Track[]>('tracks.list', { mediaId })
const frameIdx = async (page: Page): Promise<number> => Number(await page.getByTestId('frame-info').getAttribute('data-frame'))
const shot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, name) })
}

async function openPlayer(page: Page): Promise<void> {
  await openApp(page, app, `#/video?media=${mediaId}`)
  await expect(page.getByTestId('player')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })
  await expect(page.getByTestId('player')).toHaveAttribute('data-source', 'video')
}

test('plays, pauses and steps frame by frame with every track boxed on the picture', async ({ page }) => {
  await openPlayer(page)
  // the browser's own player decodes the H.264 clip: a real picture, not black
  const picture = await page.getByTestId('video').evaluate(async (v: HTMLVideoElement) => {
    const c = document.createElement('canvas')
    c.width = 64
    c.height = 36
    const g = c.getContext('2d')!
    g.drawImage(v, 0, 0, 64, 36)
    const d = g.getImageData(0, 0, 64, 36).data
    let sum = 0
    for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2]
    return { mean: sum / ((d.length / 4) * 3), width: v.videoWidth, duration: v.duration }
  })
  expect(picture.width).toBe(1280)
  expect(picture.duration).toBeCloseTo(4, 1)
  expect(picture.mean).toBeGreaterThan(20)

  // play: the time advances; Space pauses: it stops
  await page.getByTestId('play-pause').click()
  await expect(page.getByTestId('frame-info')).toHaveAttribute('data-playing', 'true')
  await expect.poll(async () => Number(await page.getByTestId('frame-info').getAttribute('data-time')), { timeout: 10_000 }).toBeGreaterThan(0.5)
  await page.keyboard.press('Space')
  await expect(page.getByTestId('frame-info')).toHaveAttribute('data-playing', 'false')
  const pausedAt = await page.getByTestId('video').evaluate((v: HTMLVideoElement) => v.currentTime)
  await page.waitForTimeout(600)
  expect(await page.getByTestId('video').evaluate((v: HTMLVideoElement) => v.currentTime)).toBe(pausedAt)

  // step: one sampled frame each way, the video element there too
  const at = await frameIdx(page)
  await page.keyboard.press('.')
  await expect(page.getByTestId('frame-idx')).toHaveText(String(at + 1))
  await page.keyboard.press('ArrowRight')
  await expect(page.getByTestId('frame-idx')).toHaveText(String(at + 2))
  await page.keyboard.press(',')
  await expect(page.getByTestId('frame-idx')).toHaveText(String(at + 1))
  await page.getByTestId('step-forward').click()
  await expect(page.getByTestId('frame-idx')).toHaveText(String(at + 2))
  const fps = (at + 2) / (await page.getByTestId('video').evaluate((v: HTMLVideoElement) => v.currentTime))
  expect(fps).toBeGreaterThan(3.5)
  expect(fps).toBeLessThan(4.5)

  // every track with a box on the frame shown is drawn, in its colour, labelled with its text
  const tracks = await tracksNow()
  expect(tracks.length).toBeGreaterThan(0)
  const longest = tracks.reduce((a, b) => (b.detections > a.detections ? b : a))
  await page.getByTestId(`tl-track-${longest.id}`).click()
  await expect(page.getByTestId('frame-idx')).toHaveText(String(longest.firstFrame))
  await page.getByTestId('player').click({ position: { x: 5, y: 5 } }) // back to the player's keys
  await page.keyboard.press('.')
  const box = page.getByTestId(`box-${longest.id}`)
  await expect(box).toBeVisible()
  await expect(box).toHaveAttribute('data-selected', 'true')
  await expect(box.locator('text')).toHaveText(longest.text || '—')
  // the box sits on the detector's box of that frame (interpolation is exact on a sampled frame)
  const frames = await app.call<{ frameIdx: number; box: { x1: number; x2: number } }[]>('tracks.frames', { trackId: longest.id })
  const sampled = frames.find((f) => f.frameIdx === longest.firstFrame + 1)
  if (sampled) expect(Number(await box.locator('rect').first().getAttribute('x'))).toBeCloseTo(sampled.box.x1, 0)
  await shot(page, 'video-player.png')
})

test('a frame still loading shows a placeholder, in the video and in frames decoded on demand', async ({ page }) => {
  // hold the video file until the placeholder has been seen
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  await page.route(`**/media/${mediaId}/video`, async (route) => {
    await held
    await route.continue()
  })
  await openApp(page, app, `#/video?media=${mediaId}`)
  await expect(page.getByTestId('frame-placeholder')).toBeVisible()
  await expect(page.getByTestId('overlay')).toHaveCount(0)
  await expect(page.getByTestId('player')).toHaveAttribute('data-ready', 'false')
  release()
  await expect(page.getByTestId('player')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })
  await expect(page.getByTestId('frame-placeholder')).toHaveCount(0)
  await page.unroute(`**/media/${mediaId}/video`)

  // frames decoded on demand: the next frame's image is held, the placeholder names it
  let releaseFrame!: () => void
  const frameHeld = new Promise<void>((r) => (releaseFrame = r))
  await page.getByTestId('source-frames').click()
  await expect(page.getByTestId('player')).toHaveAttribute('data-source', 'frames')
  await expect(page.locator('img[alt="frame 0"]')).toBeVisible({ timeout: 20_000 })
  await page.route('**/api/media.image', async (route) => {
    const body = route.request().postDataJSON() as { frameIdx?: number; crop?: unknown }
    if (body.frameIdx === 1 && !body.crop) await frameHeld
    await route.continue()
  })
  await page.getByTestId('step-forward').click()
  await expect(page.getByTestId('frame-placeholder')).toContainText('Loading frame 1')
  await expect(page.locator('img[alt^="frame "]')).toHaveCount(0)
  releaseFrame()
  await expect(page.locator('img[alt="frame 1"]')).toBeVisible({ timeout: 20_000 })
  await expect(page.getByTestId('frame-placeholder')).toHaveCount(0)
  // playing from frames advances too
  await page.keyboard.press('Space')
  await expect.poll(() => frameIdx(page), { timeout: 20_000 }).toBeGreaterThan(2)
  await page.keyboard.press('Space')
})

test('jumps to a track from the timeline, corrects its text, and the track list and Review agree', async ({ page }) => {
  await openPlayer(page)
  const tracks = await tracksNow()
  const target = tracks.find((t) => t.plateId !== null && t.firstFrame > 0) ?? tracks.find((t) => t.plateId !== null)!
  await page.getByTestId(`tl-track-${target.id}`).click()
  await expect(page.getByTestId('frame-idx')).toHaveText(String(target.firstFrame))
  await expect(page.getByTestId(`track-${target.id}`)).toHaveAttribute('data-selected', 'true')
  await expect(page.getByTestId('track-editor')).toHaveAttribute('data-track-id', String(target.id))
  // the text field has the focus, all selected: typing replaces it (as in Review)
  const input = page.getByTestId('track-input')
  await expect(input).toBeFocused()
  await page.keyboard.type('pl 4 yer')
  await expect(input).toHaveValue('PL4YER')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId(`text-of-track-${target.id}`)).toHaveText('PL4YER')
  await expect(page.getByTestId(`tl-track-${target.id}`)).toHaveText('PL4YER')
  expect((await tracksNow()).find((t) => t.id === target.id)!.text).toBe('PL4YER')
  await shot(page, 'video-player-corrected.png')

  // Review shows the same text for the track's plate
  const plates = await app.call<{ items: { id: number; trackId: number | null; text: string }[] }>('plates.list', { filter: { state: 'all', mediaId }, sort: 'media' })
  const mine = plates.items.filter((p) => p.trackId === target.id)
  expect(mine.length).toBeGreaterThan(0)
  for (const p of mine) expect(p.text).toBe('PL4YER')
  await page.getByTestId(`track-editor`).getByRole('button', { name: 'Review' }).click()
  await expect(page.getByTestId('plate-input')).toHaveValue('PL4YER')
  await expect(page.getByTestId('plate-input')).toHaveAttribute('data-plate-id', String(target.plateId))
})

test('splits a track at the frame shown and undoes it', async ({ page }) => {
  await openPlayer(page)
  const before = await tracksNow()
  const long = before.reduce((a, b) => (b.lastFrame - b.firstFrame > a.lastFrame - a.firstFrame ? b : a))
  expect(long.lastFrame - long.firstFrame).toBeGreaterThanOrEqual(2)
  await page.getByTestId(`track-${long.id}`).click()
  await expect(page.getByTestId('frame-idx')).toHaveText(String(long.firstFrame))
  await page.keyboard.press('Escape') // leave the text field: S is the player's key
  await page.keyboard.press('Escape')
  const at = long.firstFrame + Math.ceil((long.lastFrame - long.firstFrame) / 2)
  for (let f = long.firstFrame; f < at; f++) await page.keyboard.press('.')
  await expect(page.getByTestId('frame-idx')).toHaveText(String(at))
  await page.keyboard.press('s')
  const items = page.locator('[data-testid^="track-"][data-selected]')
  await expect(items).toHaveCount(before.length + 1)
  const after = await tracksNow()
  const parts = after.filter((t) => !before.some((b) => b.id === t.id) || t.id === long.id)
  expect(parts.map((t) => [t.firstFrame <= at - 1, t.lastFrame]).length).toBe(2)
  expect(parts.find((t) => t.id === long.id)!.lastFrame).toBeLessThan(at)
  expect(parts.find((t) => t.id !== long.id)!.firstFrame).toBeGreaterThanOrEqual(at)
  await expect(page.locator('[data-testid^="tl-track-"]')).toHaveCount(before.length + 1)
  await shot(page, 'video-player-split.png')

  await page.keyboard.press('Control+z')
  await expect(items).toHaveCount(before.length)
  await expect(page.locator('[data-testid^="tl-track-"]')).toHaveCount(before.length)
  const undone = await tracksNow()
  expect(undone.find((t) => t.id === long.id)).toMatchObject({ firstFrame: long.firstFrame, lastFrame: long.lastFrame, detections: long.detections })
})

test('merges the selected tracks and undoes it', async ({ page }) => {
  await openPlayer(page)
  const before = await tracksNow()
  expect(before.length).toBeGreaterThanOrEqual(2)
  const [a, b] = before
  await page.getByTestId(`track-${a.id}`).click()
  await page.getByTestId(`tl-track-${b.id}`).click({ modifiers: ['Control'] })
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected')
  await page.getByTestId('btn-merge').click()
  const items = page.locator('[data-testid^="track-"][data-selected]')
  await expect(items).toHaveCount(before.length - 1)
  await expect(page.locator('[data-testid^="tl-track-"]')).toHaveCount(before.length - 1)
  const merged = (await tracksNow()).find((t) => t.id === a.id || t.id === b.id)!
  expect(merged.detections).toBe(a.detections + b.detections)
  await shot(page, 'video-player-merged.png')

  await page.getByTestId('btn-undo').click()
  await expect(items).toHaveCount(before.length)
  const undone = await tracksNow()
  for (const t of [a, b]) expect(undone.find((u) => u.firstFrame === t.firstFrame && u.lastFrame === t.lastFrame && u.detections === t.detections)).toBeTruthy()
})

test("a page on another loopback port cannot play the library's video, cookie or not", async ({ page }) => {
  await openApp(page, app) // the SameSite=Strict cookie is in the browser: same site, other origin
  const target = `${app.origin}/media/${mediaId}/video`
  const evil: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><title>not PlateDesk</title><video id="v" src="${target}" muted preload="auto"></video>`)
  })
  await new Promise<void>((ok) => evil.listen(0, '127.0.0.1', ok))
  try {

    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`)
    await page.waitForFunction(
      () => {
        const v = document.getElementById('v') as HTMLVideoElement
        return !!v.error || v.readyState > 0
      },
      undefined,
      { timeout: 20_000 }
    )
    // refused (403, which the browser then blocks as an opaque response): the video never loads
    expect(await page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).readyState)).toBe(0)
  } finally {
    await new Promise((ok) => evil.close(ok))
  }
})

test('a stale link to a file that is not a video says so and offers the library\'s video', async ({ page }) => {
  await openApp(page, app, '#/video?media=999999')
  await expect(page.getByTestId('video-not-found')).toContainText('File #999999 is not a video in this library')
  await page.getByTestId('video-not-found').getByRole('button', { name: /Open clip\.mp4/ }).click()
  await expect(page.getByTestId('player')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })
})
