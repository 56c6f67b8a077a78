// Comparing recognisers on the reviewed plates of a real library (the fixture images with their
// plates.tsv texts in every review state): real crops, real inference, through the function and the CLI.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src/main/engine/index'
import { compareRecognizers, recognizerList } from '../../src/main/eval/compare'
import type { ModelComparison } from '../../src/shared/types'
import { buildFixtureLibrary, type FixtureLibrary } from '../export/fixture-library'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const MODELS = modelsDir()
const FIX = fixturesDir()

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('eval --db --recognizer A,B', () => {
  let fx: FixtureLibrary
  let engine: Engine
  let report: ModelComparison
  beforeAll(async () => {
    fx = buildFixtureLibrary(FIX!, { withMissing: true })
    engine = await createEngine({ detector: false, recognizerId: 'cct-xs-v2-global', workers: 1 })
    report = await compareRecognizers(fx.lib.db, engine, { recognizers: ['cct-xs-v2-global', 'cct-xs-v1-global', 'lprnet-china'] })
  })
  afterAll(async () => {
    await engine?.close()
    fx?.close()
  })

  it('scores every reviewed plate with text by each model, side by side', () => {
    const reviewed = fx.lib.db
      .prepare(`SELECT COUNT(*) AS n FROM plates p JOIN media m ON m.id = p.media_id WHERE p.review_state IN ('confirmed','corrected','manual') AND p.text <> '' AND m.path NOT LIKE '%no-such-file%'`)
      .get() as { n: number }
    expect(report.plates).toBe(reviewed.n)
    expect(report.plates).toBeGreaterThanOrEqual(15)
    expect(report.models.map((m) => m.id)).toEqual(['cct-xs-v2-global', 'cct-xs-v1-global', 'lprnet-china'])
    const [v2, v1, lpr] = report.models
    console.log(report.models.map((m) => `${m.id}: exact ${m.exact}/${report.plates} char ${m.charAccuracy.toFixed(3)}`).join('; '))
    // the Latin models read these Romanian plates; the Chinese LPRNet cannot (no province character)
    expect(v2!.exactAccuracy).toBeGreaterThanOrEqual(0.8)
    expect(v1!.exactAccuracy).toBeGreaterThanOrEqual(0.7)
    expect(lpr!.exactAccuracy).toBeLessThan(v2!.exactAccuracy - 0.3)
    for (const m of report.models) expect(m.exact).toBe(Math.round(m.exactAccuracy * report.plates))
  })

  it('per region and source; the missing file is a failure naming it', () => {
    expect(report.byRegion.reduce((n, g) => n + g.plates, 0)).toBe(report.plates)
    expect(report.bySource.reduce((n, g) => n + g.plates, 0)).toBe(report.plates)
    expect(report.byRegion.map((g) => g.key).sort()).toEqual(['(none)', 'ro'])
    for (const g of [...report.byRegion, ...report.bySource]) expect(g.exactAccuracy).toHaveLength(3)
    expect(report.failures).toEqual([{ path: join(FIX!, 'images', 'no-such-file.jpg'), error: expect.stringMatching(/no-such-file\.jpg: source file not found/) }])
  })

  it('lists the plates the models read differently, with the truth and where to find the crop', () => {
    expect(report.disagreementCount).toBeGreaterThanOrEqual(report.plates - report.models[2]!.exact - 1)
    expect(report.disagreements.length).toBe(report.disagreementCount)
    for (const d of report.disagreements) {
      expect(d.reads).toHaveLength(3)
      expect(new Set(d.reads).size).toBeGreaterThan(1)
      expect(d.truth).not.toBe('')
      expect(d.mediaId).toBeGreaterThan(0)
      expect(d.box.x2).toBeGreaterThan(d.box.x1)
    }
    // a plate on which the two Latin models agree with the truth and LPRNet does not is listed
    expect(report.disagreements.some((d) => d.reads[0] === d.truth && d.reads[1] === d.truth && d.reads[2] !== d.truth)).toBe(true)
  })

  it('recognizerList: unknown ids and detectors are refused by name', () => {
    expect(recognizerList('cct-xs-v2-global, lprnet-china')).toEqual(['cct-xs-v2-global', 'lprnet-china'])
    expect(recognizerList('cct-xs-v2-global+cct-xs-v1-global,lprnet-china')).toHaveLength(2)
    expect(() => recognizerList('nope,lprnet-china')).toThrow(/unknown model id "nope"/)
    expect(() => recognizerList('yolo-v9-t-416-end2end')).toThrow(/yolo-v9-t-416-end2end is a detector, not a recogniser/)
    expect(() => recognizerList('lprnet-china,lprnet-china')).toThrow(/names a model twice/)
  })

  it('the CLI prints the same numbers (--json) and a side-by-side table', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 })
    const j = cli('eval', '--db', fx.file, '--recognizer', 'cct-xs-v2-global,lprnet-china', '--workers', '1', '--json')
    expect(j.status).toBe(1) // the missing file
    const r = JSON.parse(j.stdout) as ModelComparison
    expect(r.plates).toBe(report.plates)
    expect(r.models.map((m) => m.exact)).toEqual([report.models[0]!.exact, report.models[2]!.exact])
    const t = cli('eval', '--db', fx.file, '--recognizer', 'cct-xs-v2-global,lprnet-china', '--workers', '1')
    expect(t.stdout).toMatch(new RegExp(`compare .*: ${report.plates} reviewed plates with text`))
    expect(t.stdout).toMatch(/^exact\s+\d\.\d{3} \(\d+\/\d+\)\s+\d\.\d{3}/m)
    expect(t.stdout).toMatch(/^by region\s+[\d.]+\s+[\d.]+\s+ro \(\d+\)/m)
    expect(t.stdout).toMatch(/^disagreements: \d+/m)
    const bad = cli('eval', '--db', fx.file, '--recognizer', 'cct-xs-v2-global,nope')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/platedesk eval: unknown model id "nope"/)
  })
})
