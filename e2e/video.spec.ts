// Video review: import the 4 s clip, see its tracks with their best frame, walk a track's timeline.
import { expect, test } from '@playwright/test'
import { join } from 'node:path'
import { mkdirSync } from 'node:fs'
import { FIXTURES, SCREENSHOTS, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.skip(!!why, why ?? '')

let app: RunningApp
test.beforeAll(async () => {
  app = await startApp()
})
test.afterAll(async () => {
  await app?.stop()
})

test('shows the tracks of a video and jumps to a frame from the timeline', async ({ page }) => {
  await openApp(page, app)
  await page.getByTestId('import-path').fill(join(FIXTURES, 'clip.mp4'))
  await page.getByTestId('import-start').click()
  await expect(page.getByTestId('import-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
  const media = await app.call<{ items: { id: number; kind: string }[] }>('media.list', {})
  const video = media.items.find((m) => m.kind === 'video')!
  const tracks = await app.call<{ id: number; detections: number }[]>('tracks.list', { mediaId: video.id })
  expect(tracks.length).toBeGreaterThan(0)

  await page.getByTestId('nav-video').click()
  await expect(page.locator('[data-testid^="track-"]')).toHaveCount(tracks.length)
  const longest = tracks.reduce((a, b) => (b.detections > a.detections ? b : a))
  await page.getByTestId(`track-${longest.id}`).click()
  const frames = await app.call<{ frameIdx: number }[]>('tracks.frames', { trackId: longest.id })
  const marks = page.getByTestId('timeline').locator('[data-testid^="tl-"]')
  await expect(marks).toHaveCount(frames.length)
  const target = frames[frames.length - 1].frameIdx
  await page.getByTestId(`tl-${target}`).click()
  await expect(page.getByText(`frame ${target}`, { exact: false }).first()).toBeVisible()
  await expect(page.locator(`img[alt="frame ${target}"]`)).toBeVisible({ timeout: 20_000 })
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, 'video.png') })
})
