// Team review on a real library (a SQLite file, and a PostgreSQL database) holding the fixture plates: leases (two reviewers never hold or
// decide the same plate, expiry hands a plate over, deciding another's plate is a conflict naming them),
// across two library connections on one file (two processes' worth), and double review (agreement
// settles, disagreement goes to an admin, agreement figures, exports leave unsettled plates out).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import { migrations } from '../../src/main/db/migrations/index'
import { countSelectedPlates, iterateExportFrames } from '../../src/main/db/training-reader'
import { runAs, type Caller } from '../../src/main/services/caller'
import { createLibraryService, type LibraryHandlers } from '../../src/main/services/library'
import { fillWithFixturePlates } from '../helpers/fixture-library'
import { FIXTURES_SKIP_REASON, fixturesDir } from '../helpers/models'
import { stopTestCluster, stores } from '../helpers/stores'

const fixtures = fixturesDir()
const ann: Caller = { user: 'ann', role: 'reviewer' }
const bob: Caller = { user: 'bob', role: 'reviewer' }
const carol: Caller = { user: 'carol', role: 'admin' }

let dir: string
let file: string
let total: number
const open: Library[] = []
let clockMs = Date.parse('2026-12-01T08:00:00.000Z')

function service(lib: Library = open[0]!): LibraryHandlers {
  return createLibraryService({
    library: lib,
    engine: () => Promise.reject(new Error('no engine in these tests')),
    emit: () => undefined,
    resume: false,
    user: 'desk',
    team: { leaseSeconds: 120, clock: () => clockMs }
  }).handlers
}

/** one API call as `who` (the web server runs each authenticated request like this) */
function as<T>(who: Caller, fn: () => T | Promise<T>): Promise<T> {
  return runAs(who, async () => fn())
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<{ code?: string; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    return err as { code?: string; message: string }
  }
  throw new Error('expected an error')
}

function decisions(lib: Library): { plate_id: number; n: number }[] {
  return lib.db
    .prepare(`SELECT plate_id, COUNT(*) AS n FROM history WHERE action IN ('confirm', 'correct', 'reject', 'illegible') GROUP BY plate_id`)
    .all() as { plate_id: number; n: number }[]
}

afterAll(stopTestCluster)

// every case on a SQLite file and on a PostgreSQL database (a team server's library)
describe.skipIf(!fixtures).each(stores)('team review on $name', (store) => {
  if (!fixtures) it.skip(FIXTURES_SKIP_REASON, () => undefined)

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-team-'))
    file = await store.fresh()
    const lib = openLibrary(file)
    open.push(lib)
    total = await fillWithFixturePlates(lib, fixtures!)
    clockMs = Date.parse('2026-12-01T08:00:00.000Z')
  })
  afterEach(() => {
    for (const l of open.splice(0)) l.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('two reviewers working through the queue never hold the same plate, and every plate is decided once', async () => {
    expect(total).toBeGreaterThanOrEqual(25)
    const api = service()
    const held = new Map<string, number[]>()
    let steps = 0
    let refused = 0
    for (;;) {
      let progressed = false
      for (const who of [ann, bob]) {
        const { items, expiresAt } = await as(who, () => api['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 3 }))
        expect(expiresAt).toBe(new Date(clockMs + 120_000).toISOString())
        held.set(who.user, items.map((p) => p.id))
        const [a, b] = [held.get('ann') ?? [], held.get('bob') ?? []]
        expect(a.filter((id) => b.includes(id)), `step ${steps}`).toEqual([])
        // the plain list (the Review screen's queue) agrees: it shows nobody the plates the other holds
        const list = await as(who, () => api['plates.list']({ filter: { state: 'unreviewed' }, sort: 'confidence', offset: 0, limit: 1000 }))
        const other = who === ann ? b : a
        expect(list.items.filter((p) => other.includes(p.id))).toEqual([])
        const first = items[0]
        if (!first) continue
        // alternate decisions; bob also tries one of ann's plates and is refused
        const annHolds = a.filter((id) => open[0]!.reader.getPlate(id)!.reviewState === 'unreviewed')
        if (who === bob && annHolds.length) {
          const err = await errorOf(as(bob, () => api['plates.reject']({ id: annHolds[0]! })))
          expect(err.code).toBe('conflict')
          expect(err.message).toContain('ann')
          refused++
        }
        await as(who, () => (steps % 2 ? api['plates.confirm']({ id: first.id }) : api['plates.reject']({ id: first.id })))
        progressed = true
        steps++
      }
      if (!progressed) break
    }
    expect(steps).toBe(total)
    expect(refused).toBeGreaterThan(5)
    const lib = open[0]!
    const d = decisions(lib)
    expect(d).toHaveLength(total)
    expect(d.every((r) => r.n === 1)).toBe(true)
    // deciding let go of every lease
    expect(lib.leases.all(new Date(clockMs).toISOString())).toEqual([])
  })

  it('an expired lease is free again: the plate goes to the next reviewer who asks', async () => {
    const api = service()
    const [mine] = (await as(ann, () => api['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 1 }))).items
    // a file's plates (the frame's boxes) still show it to bob; only his review queue leaves it out
    const onFile = await as(bob, () => api['plates.list']({ filter: { state: 'all', mediaId: mine!.mediaId }, sort: 'media', offset: 0, limit: 100 }))
    expect(onFile.items.map((p) => p.id)).toContain(mine!.id)
    const bobs = await as(bob, () => api['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 1 }))
    expect(bobs.items[0]!.id).not.toBe(mine!.id)
    // a minute later ann is still on it (her screen renews it)
    clockMs += 60_000
    const renewed = await as(ann, () => api['review.lease']({ ids: [mine!.id] }))
    expect(renewed).toMatchObject({ leasing: true, held: [mine!.id], others: [] })
    clockMs += 119_000
    expect((await as(bob, () => api['review.lease']({ ids: [mine!.id] }))).others).toEqual([
      { plateId: mine!.id, holder: 'ann', expiresAt: new Date(clockMs + 1000).toISOString() }
    ])
    // then she walks away: 2 s after her lease ran out, bob is handed the plate
    clockMs += 2_000
    const again = await as(bob, () => api['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 1 }))
    expect(again.items[0]!.id).toBe(mine!.id)
    const err = await errorOf(as(ann, () => api['plates.confirm']({ id: mine!.id })))
    expect(err).toMatchObject({ code: 'conflict' })
    expect(err.message).toMatch(/being reviewed by bob/)
    expect(open[0]!.reader.getPlate(mine!.id)!.reviewState).toBe('unreviewed')
    // an empty lease request lets go of everything bob holds
    await as(bob, () => api['review.lease']({ ids: [] }))
    await as(ann, () => api['plates.confirm']({ id: mine!.id }))
    expect(open[0]!.reader.getPlate(mine!.id)).toMatchObject({ reviewState: 'confirmed' })
    expect(open[0]!.reader.listHistory(mine!.id).items[0]).toMatchObject({ action: 'confirm', by: 'ann' })
  })

  it('without a signed-in caller (desktop, CLI) nothing is leased, and a plate a reviewer holds is still refused', async () => {
    const api = service()
    expect(await api['review.lease']({ ids: [1, 2] })).toEqual({ leasing: false, held: [], others: [], expiresAt: null })
    const plain = await api['plates.list']({ filter: { state: 'unreviewed' }, sort: 'confidence', offset: 0, limit: 1000 })
    expect(plain.total).toBe(total)
    const [held] = (await as(ann, () => api['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 1 }))).items
    const err = await errorOf(() => api['plates.correct']({ id: held!.id, text: 'B 123 ABC' }))
    expect(err.code).toBe('conflict')
    expect(err.message).toContain('ann')
    await api['plates.confirm']({ id: plain.items.find((p) => p.id !== held!.id)!.id })
    expect(open[0]!.db.prepare('SELECT COUNT(*) AS n FROM plate_leases').get()).toEqual({ n: 1 })
  })

  it('a bulk confirm leaves the plates another reviewer holds to them', async () => {
    const api = service()
    const held = (await as(ann, () => api['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 2 }))).items.map((p) => p.id)
    const res = await as(bob, () => api['plates.bulkConfirm']({ filter: {}, minConfidence: 0 }))
    expect(res.count).toBe(total - 2)
    for (const id of held) expect(open[0]!.reader.getPlate(id)!.reviewState).toBe('unreviewed')
  })

  it('two library connections on one file (two processes) never hand out the same plate', async () => {
    const second = openLibrary(file)
    open.push(second)
    const apis = [service(open[0]!), service(second)]
    const who = [ann, bob]
    const served = new Map<number, string>()
    for (let round = 0; round < 40; round++) {
      for (const k of [0, 1]) {
        const { items } = await as(who[k]!, () => apis[k]!['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 2 }))
        for (const p of items) {
          const prev = served.get(p.id)
          expect(prev === undefined || prev === who[k]!.user, `plate ${p.id} served to ${prev} and ${who[k]!.user}`).toBe(true)
          served.set(p.id, who[k]!.user)
        }
        if (items[0]) {
          await as(who[k]!, () => apis[k]!['plates.confirm']({ id: items[0]!.id }))
          served.delete(items[0]!.id)
        }
      }
    }
    const d = decisions(open[0]!)
    expect(d).toHaveLength(total)
    expect(d.every((r) => r.n === 1)).toBe(true)
  })

  // the SQLite table rebuild (PostgreSQL alters the CHECK in place: test/team/leases-pg.test.ts)
  it.skipIf(store.name === 'postgres')('migration 009 on a library from before it keeps every history row and index, and takes votes', async () => {
    const old = join(dir, 'v7.db')
    const real = [...migrations]
    let before: { history: unknown[]; indexes: unknown[] }
    try {
      migrations.splice(0, migrations.length, ...real.filter((m) => m.version < 9))
      const lib = openLibrary(old)
      await fillWithFixturePlates(lib, fixtures!)
      lib.writer.confirm(1, 'ann')
      lib.writer.correct(2, 'B 1 XYZ', 'bob')
      lib.writer.undo(undefined, 'bob')
      expect(() => lib.db.prepare(`INSERT INTO history (plate_id, action, at, by) VALUES (1, 'vote', 'x', 'y')`).run()).toThrow(/CHECK/)
      before = {
        history: lib.db.prepare('SELECT * FROM history ORDER BY id').all(),
        indexes: lib.db.prepare(`SELECT name, sql FROM sqlite_master WHERE tbl_name = 'history' AND type = 'index' ORDER BY name`).all()
      }
      lib.close()
    } finally {
      migrations.splice(0, migrations.length, ...real)
    }
    const lib = openLibrary(old)
    open.push(lib)
    expect(lib.db.prepare('SELECT * FROM history ORDER BY id').all()).toEqual(before.history)
    expect(lib.db.prepare(`SELECT name, sql FROM sqlite_master WHERE tbl_name = 'history' AND type = 'index' ORDER BY name`).all()).toEqual(before.indexes)
    expect((lib.db as unknown as import('better-sqlite3').Database).pragma('foreign_key_check')).toEqual([])
    lib.writer.setSettings({ doubleReview: true })
    expect(lib.doubleReview.vote(3, { kind: 'reject' }, 'ann', new Date().toISOString()).outcome).toBe('pending')
  })

  describe('double review', () => {
    const turnOn = async (api: LibraryHandlers) => {
      const err = await errorOf(as(ann, () => api['settings.set']({ doubleReview: true })))
      expect(err.code).toBe('unauthorized')
      await as(carol, () => api['settings.set']({ doubleReview: true }))
    }

    it('agreeing decisions settle a plate; disagreeing ones go to an admin; figures per reviewer', async () => {
      const api = service()
      const lib = open[0]!
      await turnOn(api)
      const queue = (who: Caller) =>
        as(who, () => api['plates.list']({ filter: { state: 'unreviewed' }, sort: 'confidence', offset: 0, limit: 1000 })).then((r) => r.items.map((p) => p.id))
      const [p1, p2, p3] = (await queue(ann)).slice(0, 3) as [number, number, number]
      // bulk confirm would settle plates without a second reviewer: an admin's call now
      expect((await errorOf(as(bob, () => api['plates.bulkConfirm']({ filter: {}, minConfidence: 0.99 })))).code).toBe('unauthorized')

      // ann's vote leaves the plate unreviewed, out of her queue, in bob's; bob does not see her vote
      const after = await as(ann, () => api['plates.confirm']({ id: p1 }))
      expect(after.reviewState).toBe('unreviewed')
      expect(await queue(ann)).not.toContain(p1)
      expect(await queue(bob)).toContain(p1)
      const seenByBob = await as(bob, () => api['plates.get']({ id: p1 }))
      expect(seenByBob.history.filter((h) => h.action === 'vote')).toEqual([])
      expect((await as(bob, () => api['history.list']({ plateId: p1, offset: 0, limit: 100 }))).items).toEqual([])
      expect((await as(ann, () => api['plates.get']({ id: p1 }))).history.map((h) => [h.action, h.by])).toEqual([['vote', 'ann']])
      // the export takes no unsettled plate, even with unreviewed plates included
      const exported = () => [...iterateExportFrames(lib.db, { includeUnreviewedAbove: 0 })].flatMap((f) => f.labels.map((l) => l.plateId))
      expect(exported()).not.toContain(p1)
      expect(exported()).toContain(p2)
      expect(countSelectedPlates(lib.db, { includeUnreviewedAbove: 0 })).toBe(total - 1)

      // bob agrees: settled as bob's confirm, after both votes
      const settled = await as(bob, () => api['plates.confirm']({ id: p1 }))
      expect(settled).toMatchObject({ reviewState: 'confirmed' })
      expect(lib.reader.plateState(p1)!.reviewedBy).toBe('bob')
      expect(lib.reader.listHistory(p1).items.map((h) => [h.action, h.by]).reverse()).toEqual([
        ['vote', 'ann'],
        ['vote', 'bob'],
        ['confirm', 'bob']
      ])
      expect(exported()).toContain(p1)

      // disagreement: ann confirms, bob corrects → unreviewed, in the adjudication queue, out of both queues
      await as(ann, () => api['plates.confirm']({ id: p2 }))
      expect((await as(bob, () => api['plates.correct']({ id: p2, text: 'B 99 XYZ' }))).reviewState).toBe('unreviewed')
      expect(await queue(ann)).not.toContain(p2)
      expect(await queue(bob)).not.toContain(p2)
      const disputed = await as(carol, () => api['plates.list']({ filter: { state: 'unreviewed', disputed: true }, sort: 'confidence', offset: 0, limit: 100 }))
      expect(disputed.items.map((p) => p.id)).toEqual([p2])
      expect(exported()).not.toContain(p2)
      expect((await errorOf(as(bob, () => api['plates.confirm']({ id: p2 })))).message).toMatch(/disputed.*admin/)
      // a third reviewer's vote is not taken either: the admin decides
      expect((await errorOf(as({ user: 'dan', role: 'reviewer' }, () => api['plates.reject']({ id: p2 })))).code).toBe('conflict')
      const adjudicated = await as(carol, () => api['plates.correct']({ id: p2, text: 'B 99 XYZ' }))
      expect(adjudicated).toMatchObject({ reviewState: 'corrected', text: 'B99XYZ' })
      expect(lib.reader.listHistory(p2).items[0]).toMatchObject({ action: 'correct', by: 'carol' })

      // a third plate both reject (agree, text aside)
      await as(bob, () => api['plates.reject']({ id: p3 }))
      await as(ann, () => api['plates.reject']({ id: p3 }))
      expect(lib.reader.plateState(p3)!.reviewState).toBe('rejected')

      const fig = await as(carol, () => api['review.agreement']({}))
      expect(fig).toMatchObject({ doubleReview: true, pending: 0, disputed: 0 })
      expect(fig.reviewers).toEqual([
        { reviewer: 'ann', plates: 3, agreed: 2, rate: 2 / 3 },
        { reviewer: 'bob', plates: 3, agreed: 2, rate: 2 / 3 }
      ])
      expect(fig.pairs).toEqual([{ a: 'ann', b: 'bob', plates: 3, agreed: 2, rate: 2 / 3 }])
    })

    it('a reviewer takes back their own vote with undo (only their own, only while unsettled)', async () => {
      const api = service()
      await turnOn(api)
      const [p] = (await as(ann, () => api['plates.list']({ filter: { state: 'unreviewed' }, sort: 'confidence', offset: 0, limit: 1 }))).items
      await as(ann, () => api['plates.confirm']({ id: p!.id }))
      const vote = open[0]!.reader.listHistory(p!.id).items[0]!
      expect((await errorOf(as(bob, () => api['history.undo']({ historyId: vote.id })))).message).toMatch(/ann's vote/)
      expect(await as(ann, () => api['history.undo']({}))).toEqual({ undone: 1, plateIds: [p!.id] })
      expect(open[0]!.doubleReview.votes(p!.id)).toEqual([])
      expect((await as(ann, () => api['review.agreement']({}))).pending).toBe(0)
      // redo: the vote is back
      await as(ann, () => api['history.undo']({}))
      expect(open[0]!.doubleReview.votes(p!.id)).toMatchObject([{ reviewer: 'ann', reviewState: 'confirmed' }])
    })
  })
})
