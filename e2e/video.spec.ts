// Video review: import the 4 s clip through the Library screen, see its tracks in the list and on the
// timeline, jump to a track's first frame (also in the library's own decoded frames).
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

test('shows the tracks of a video and jumps to a track\'s first frame', async ({ page }) => {
  await openApp(page, app)
  await page.getByTestId('import-path').fill(join(FIXTURES, 'clip.mp4'))
  await page.getByTestId('import-start').click()
  await expect(page.getByTestId('import-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
  const media = await app.call<{ items: { id: number; kind: string }[] }>('media.list', {})
  const video = media.items.find((m) => m.kind === 'video')!
  const tracks = await app.call<{ id: number; detections: number; firstFrame: number }[]>('tracks.list', { mediaId: video.id })
  expect(tracks.length).toBeGreaterThan(0)

  await page.getByTestId('nav-video').click()
  await expect(page.locator('[data-testid^="track-"][data-selected]')).toHaveCount(tracks.length)
  await expect(page.locator('[data-testid^="tl-track-"]')).toHaveCount(tracks.length)
  const longest = tracks.reduce((a, b) => (b.detections > a.detections ? b : a))
  const first = longest.firstFrame
  await page.getByTestId(`track-${longest.id}`).click()
  await expect(page.getByTestId('frame-idx')).toHaveText(String(first))
  // the same frame as the library decodes it (the player's fallback for codecs the browser lacks)
  await page.getByTestId('source-frames').click()
  await expect(page.locator(`img[alt="frame ${first}"]`)).toBeVisible({ timeout: 20_000 })
  await expect(page.getByTestId(`box-${longest.id}`)).toBeVisible()
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, 'video.png') })
})
