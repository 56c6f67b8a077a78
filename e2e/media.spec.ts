// Issue 9 items 9 and 11 in the browser: the import card shows progress inside a long video (frames done
// of the total, time left), and Settings shows which ffmpeg/ffprobe read the videos.
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { ffmpegPath } from '../src/main/media/probe'
import { missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.skip(!!why, why ?? '')

let app: RunningApp
test.beforeEach(async () => {
  app = await startApp()
})
test.afterEach(async () => {
  await app?.stop()
})

test('a long video shows frames done of its total and a time left while it imports', async ({ page }) => {
  const dir = join(app.dir, 'video')
  mkdirSync(dir)
  // 600 tiny frames at every frame: one file for a long while
  const r = spawnSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=50:duration=12', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(dir, 'long.mp4')])
  expect(r.status).toBe(0)
  await openApp(page, app)
  await page.getByLabel('video sampling fps').fill('0')
  await page.getByTestId('import-path').fill(dir)
  await page.getByTestId('import-start').click()
  const frames = page.getByTestId('import-file-frames')
  await expect(frames).toHaveText(/^frames [\d,]+ \/ 600 \(\d+%\) · .+ left$/, { timeout: 60_000 })
  await expect(page.getByTestId('import-files')).toHaveText('0 / 1')
  await page.getByTestId('import-cancel').click()
  await page.getByTestId('import-cancel-confirm').click() // it asks first
  await expect(page.getByTestId('import-progress')).toHaveAttribute('data-state', 'cancelled')
})

test('Settings shows the ffmpeg and ffprobe versions in use', async ({ page }) => {
  const info = await app.call<{ ffmpeg: { ffmpeg: { version: string; outdated: boolean }; ffprobe: { version: string } } }>('app.info', {})
  await openApp(page, app, '#/settings')
  await expect(page.getByTestId('media-tool-ffmpeg')).toContainText(`ffmpeg ${info.ffmpeg.ffmpeg.version}`)
  await expect(page.getByTestId('media-tool-ffprobe')).toContainText(`ffprobe ${info.ffmpeg.ffprobe.version}`)
  if (info.ffmpeg.ffmpeg.outdated) await expect(page.getByTestId('media-tool-ffmpeg')).toContainText('outdated')
})
