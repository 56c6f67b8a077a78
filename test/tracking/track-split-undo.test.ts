// Undoing a split at the track's best frame: the plate's detection moved to the new track's plate, and
// undo gives it back (it failed with "UNIQUE constraint failed: plates.detection_id" while the new
// plate still held it). Real fixture library (SQLite file, and a PostgreSQL server library: the restore
// re-inserts rows with their old ids) holding the fixture clip's tracks; no engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stores, stopTestCluster } from '../helpers/stores'
import { createLibraryService, type LibraryService } from '../../src/main/services/library'
import { openLibrary, type Library } from '../../src/main/db/index'
import { buildFixtureLibrary, type FixtureLibrary } from '../export/fixture-library'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()

afterAll(stopTestCluster)

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON)).each(stores)('split at the best frame, then undo ($name)', (store) => {
  let fixture: FixtureLibrary
  let lib: Library
  let svc: LibraryService
  beforeAll(async () => {
    fixture = buildFixtureLibrary(FIX!, { withVideo: true, target: await store.fresh() })
    fixture.lib.close()
    lib = openLibrary(fixture.file)
    svc = createLibraryService({ library: lib, engine: () => Promise.reject(new Error('no engine here')), emit: () => undefined, user: 'tester', resume: false })
  })
  afterAll(async () => {
    await svc?.dispose()
    lib?.close()
    fixture?.close()
  })

  it('puts the track and its plate back as they were', async () => {
    const h = svc.handlers
    const mediaId = fixture.videoMediaId!
    const before = await h['tracks.list']({ mediaId })
    const t = before.find((x) => x.bestFrame > x.firstFrame)!
    const plateBefore = await h['plates.get']({ id: t.plateId! })
    const { trackIds } = await h['tracks.split']({ trackId: t.id, atFrame: t.bestFrame })
    expect(await h['tracks.list']({ mediaId })).toHaveLength(before.length + 1)
    const undone = await h['history.undo']({})
    expect(undone.undone).toBe(1)
    const after = await h['tracks.list']({ mediaId })
    expect(after.map((x) => [x.id, x.firstFrame, x.lastFrame, x.detections, x.plateId])).toEqual(
      before.map((x) => [x.id, x.firstFrame, x.lastFrame, x.detections, x.plateId])
    )
    expect(after.some((x) => x.id === trackIds[1])).toBe(false)
    const plateAfter = await h['plates.get']({ id: t.plateId! })
    expect([plateAfter.frameIdx, plateAfter.box, plateAfter.text, plateAfter.reviewState]).toEqual([plateBefore.frameIdx, plateBefore.box, plateBefore.text, plateBefore.reviewState])
  })

  it('a merge undone puts every track and plate back as they were', async () => {
    const h = svc.handlers
    const mediaId = fixture.videoMediaId!
    const shape = async () =>
      Promise.all(
        (await h['tracks.list']({ mediaId })).map(async (x) => {
          const p = await h['plates.get']({ id: x.plateId! })
          return [x.id, x.firstFrame, x.lastFrame, x.detections, p.id, p.frameIdx, p.text, p.reviewState]
        })
      )
    const before = await shape()
    const ids = (await h['tracks.list']({ mediaId })).map((x) => x.id)
    await h['tracks.merge']({ trackIds: ids })
    expect(await h['tracks.list']({ mediaId })).toHaveLength(1)
    expect((await h['history.undo']({})).undone).toBe(1)
    expect(await shape()).toEqual(before)
  })
})
