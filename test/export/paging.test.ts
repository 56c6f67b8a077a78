// The export/eval readers page through SQLite by keyset; whatever the page size, they must hand out the
// same frames and rows (a media whose plates straddle a page boundary stays one frame).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { iterateEvalFrames, iterateExportFrames, iterateReportRows, countSelectedPlates } from '../../src/main/db/training-reader'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'
import { buildFixtureLibrary, type FixtureLibrary } from './fixture-library'

const FIX = fixturesDir()

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('keyset paging', () => {
  let f: FixtureLibrary
  beforeAll(() => {
    f = buildFixtureLibrary(FIX!, { withVideo: true })
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
