// Track review in web mode: a track's text corrected through the API shows in the Video track list and in
// Review (the track's plate); split and merge change the track list, and history.undo takes each back.
import { expect, test } from '@playwright/test'
import { join } from 'node:path'
import { FIXTURES, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.skip(!!why, why ?? '')

let app: RunningApp
test.beforeAll(async () => {
  app = await startApp()
})
test.afterAll(async () => {
  await app?.stop()
})

interface Track {
  id: number
  plateId: number | null
  text: string
  firstFrame: number
}

test('a corrected track text agrees in the track list and Review; split and merge undo in one step', async ({ page }) => {
  const { jobId } = await app.call<{ jobId: number }>('library.import', { paths: [join(FIXTURES, 'clip.mp4')], fps: 8 })
  await expect
    .poll(async () => (await app.call<{ jobId: number; state: string } | null>('import.status'))?.state, { timeout: 90_000 })
    .toBe('done')
  expect(jobId).toBeGreaterThan(0)
  const video = (await app.call<{ items: { id: number; kind: string }[] }>('media.list', {})).items.find((m) => m.kind === 'video')!
  const list = () => app.call<Track[]>('tracks.list', { mediaId: video.id })
  const tracks = await list()
  expect(tracks.map((t) => t.text).sort()).toEqual(['B172WAW', 'B21GSB'])
  const suv = tracks.find((t) => t.text === 'B172WAW')!

  // Review shows the track's plate; the track's text corrected elsewhere reaches it at once
  await openApp(page, app, `#/review?media=${video.id}&plate=${suv.plateId}`)
  const input = page.getByTestId('plate-input')
  await expect(input).toHaveAttribute('data-plate-id', String(suv.plateId))
  await expect(input).toHaveValue('B172WAW')
  await app.call('tracks.setText', { trackId: suv.id, text: 'B172WAX' })
  await expect(input).toHaveValue('B172WAX')
  expect((await list()).find((t) => t.id === suv.id)!.text).toBe('B172WAX')
  // and the Video screen's track list says the same
  await openApp(page, app, `#/video?media=${video.id}`)
  const rows = page.locator('[data-testid="tracks"] [data-testid^="track-"]')
  await expect(rows).toHaveCount(2)
  await expect(page.getByTestId(`track-${suv.id}`)).toContainText('B172WAX')

  // split the lead car's track where the camera turns; the list follows, undo takes it back
  const lead = tracks.find((t) => t.text === 'B21GSB')!
  await app.call('tracks.split', { trackId: lead.id, atFrame: 22 })
  await expect(rows).toHaveCount(3)
  await app.call('history.undo', {})
  await expect(rows).toHaveCount(2)
  // merge both tracks into the earlier one, then undo
  const merged = await app.call<{ trackId: number }>('tracks.merge', { trackIds: [suv.id, lead.id] })
  expect(merged.trackId).toBe(lead.id)
  await expect(rows).toHaveCount(1)
  await app.call('history.undo', {})
  await expect(rows).toHaveCount(2)
  await expect(page.getByTestId(`track-${suv.id}`)).toContainText('B172WAX')
})
