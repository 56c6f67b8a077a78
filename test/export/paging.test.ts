// The export/eval readers page by keyset; whatever the page size, they must hand out the same frames and
// rows (a media whose plates straddle a page boundary stays one frame). On a library file and on a server
// library, and both hand out exactly the same values (types included) for the same library.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStore, stopTestCluster } from '../helpers/stores'
import { iterateEvalFrames, iterateExportFrames, iterateReportRows, countSelectedPlates } from '../../src/main/db/training-reader'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'
import { buildFixtureLibrary, type FixtureLibrary } from './fixture-library'

const FIX = fixturesDir()

afterAll(stopTestCluster)

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON)).each(['sqlite', 'postgres'] as const)('keyset paging (%s)', (store) => {
  let f: FixtureLibrary
  beforeAll(async () => {
    f = buildFixtureLibrary(FIX!, { withVideo: true, ...(store === 'postgres' ? { target: await postgresStore.fresh() } : {}) })
  })
  afterAll(() => f?.close())

  it('export frames, report rows and eval frames are the same with pages of 1, 2, 3 and 1000', () => {
    for (const opts of [{}, { includeUnreviewedAbove: 0.5 }, { includeUnreviewedAbove: 0, videoFrames: { everyNth: 3 } as const }]) {
      const ref = [...iterateExportFrames(f.lib.db, opts)]
      const refRows = [...iterateReportRows(f.lib.db, opts)]
      expect(refRows.length).toBe(countSelectedPlates(f.lib.db, opts))
      // every selected plate is labelled on some frame, and frames of one image are merged
      expect(new Set(ref.flatMap((fr) => fr.labels.map((l) => l.plateId))).size).toBe(refRows.length)
      expect(new Set(ref.map((fr) => fr.frameId)).size).toBe(ref.length)
      expect(ref.reduce((a, fr) => a + fr.platesDone, 0)).toBe(refRows.length)
      for (const size of [1, 2, 3]) {
        expect([...iterateExportFrames(f.lib.db, opts, size)]).toEqual(ref)
        expect([...iterateReportRows(f.lib.db, opts, size)]).toEqual(refRows)
      }
    }
    const refEval = [...iterateEvalFrames(f.lib.db)]
    expect(refEval.length).toBeGreaterThan(10)
    for (const size of [1, 2, 5]) expect([...iterateEvalFrames(f.lib.db, size)]).toEqual(refEval)
  })
})

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('the same library on both backends', () => {
  let file: FixtureLibrary
  let server: FixtureLibrary
  beforeAll(async () => {
    file = buildFixtureLibrary(FIX!, { withVideo: true, withMissing: true })
    server = buildFixtureLibrary(FIX!, { withVideo: true, withMissing: true, target: await postgresStore.fresh() })
  })
  afterAll(() => {
    file?.close()
    server?.close()
  })

  it('export frames, report rows, eval frames, stats and plate lists are equal, value for value', () => {
    const opts = { includeUnreviewedAbove: 0.5, videoFrames: { everyNth: 2 } as const }
    expect([...iterateExportFrames(server.lib.db, opts)]).toStrictEqual([...iterateExportFrames(file.lib.db, opts)])
    expect([...iterateReportRows(server.lib.db, opts)]).toStrictEqual([...iterateReportRows(file.lib.db, opts)])
    expect([...iterateEvalFrames(server.lib.db)]).toStrictEqual([...iterateEvalFrames(file.lib.db)])
    expect(server.lib.reader.stats()).toStrictEqual(file.lib.reader.stats())
    for (const sort of ['confidence', 'recent', 'media'] as const) {
      expect(server.lib.reader.listPlates({}, sort, 0, 1000)).toStrictEqual(file.lib.reader.listPlates({}, sort, 0, 1000))
    }
    expect(server.lib.reader.listMedia(undefined, 0, 1000)).toStrictEqual(file.lib.reader.listMedia(undefined, 0, 1000))
    const media = file.videoMediaId!
    expect(server.lib.reader.listTracks(media)).toStrictEqual(file.lib.reader.listTracks(media))
    for (const p of file.lib.reader.listPlates({}, 'media', 0, 1000).items) {
      expect(server.lib.reader.getPlateDetail(p.id)).toStrictEqual(file.lib.reader.getPlateDetail(p.id))
    }
  })
})
