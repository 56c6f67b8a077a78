// Push and pull (db/library-copy.ts) on real library files: the fixture library (the romania-dashcam
// images and clip.mp4 with their real hashes) reviewed through the real Writer (confirm, correct, undo,
// bulk confirm, box edit, hand-drawn plate, track split and merge), copied into a target and back. The
// every case runs with a SQLite file and a PostgreSQL database (test/helpers/stores.ts) as the target.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import { copyLibrary, type CopySummary } from '../../src/main/db/library-copy'
import { runExport } from '../../src/main/export/index'
import { buildFixtureLibrary, type FixtureLibrary } from '../export/fixture-library'
import { stopTestCluster } from '../helpers/pg'
import { postgresStore } from '../helpers/stores'
import { FIXTURES_SKIP_REASON, REPO_ROOT, fixturesDir, skipReason } from '../helpers/models'

const fixtures = fixturesDir()

/** where a copy can go: `fresh()` names a new, empty library (a file path, or a server URL) */
interface Target {
  name: string
  fresh(): Promise<string>
}
const targetDirs: string[] = []
const TARGETS: Target[] = [
  { name: 'sqlite', fresh: async () => join(targetDirs[targetDirs.push(mkdtempSync(join(tmpdir(), 'platedesk-copy-target-'))) - 1], 'lib.db') },
  postgresStore
]
afterAll(() => targetDirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

type Row = Record<string, unknown>
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The library without its ids: every media by hash with its frames, detections, reads, tracks and plates
 * keyed by what they are, each plate's history in order with undo links as positions, and the order of
 * all history entries. Two libraries holding the same things give the same value.
 */
function canon(lib: Library) {
  const db = lib.db
  const all = (sql: string, ...p: unknown[]) => db.prepare(sql).all(...p) as Row[]
  const out: Row[] = []
  const plateDesc = new Map<number, string>()
  const strip = (r: Row, ...cols: string[]) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'id' && !cols.includes(k)))
  for (const m of all('SELECT * FROM media ORDER BY sha256')) {
    const sha = String(m.sha256)
    const frameIdx = new Map(all('SELECT id, idx FROM frames WHERE media_id = ?', m.id).map((f) => [f.id, f.idx]))
    const dets = all('SELECT * FROM detections WHERE media_id = ? ORDER BY id', m.id)
    const detKey = new Map(dets.map((d) => [d.id, `${frameIdx.get(d.frame_id)}|${d.x1},${d.y1},${d.x2},${d.y2}|${d.score}`]))
    const trackMembers = new Map<unknown, string[]>()
    for (const d of dets) if (d.track_id != null) trackMembers.set(d.track_id, [...(trackMembers.get(d.track_id) ?? []), detKey.get(d.id)!])
    const trackKey = (id: unknown) => (id == null ? null : (trackMembers.get(id) ?? []).sort().join(' '))
    const plates = all('SELECT * FROM plates WHERE media_id = ? ORDER BY id', m.id)
    for (const p of plates) plateDesc.set(p.id as number, `${sha.slice(0, 8)}|f${frameIdx.get(p.frame_id)}|${detKey.get(p.detection_id) ?? `box ${p.x1},${p.y1},${p.x2},${p.y2}`}`)
    out.push({
      media: strip(m),
      paths: all('SELECT path, size, mtime_ms FROM media_paths WHERE media_id = ? ORDER BY path', m.id),
      frames: all('SELECT idx, time_s, width, height FROM frames WHERE media_id = ? ORDER BY idx', m.id),
      detections: dets.map((d) => ({ key: detKey.get(d.id), detector: d.detector, track: trackKey(d.track_id) })).sort((a, b) => a.key!.localeCompare(b.key!)),
      reads: all('SELECT r.* FROM reads r JOIN detections d ON d.id = r.detection_id WHERE d.media_id = ?', m.id)
        .map((r) => ({ ...strip(r, 'detection_id'), det: detKey.get(r.detection_id) }))
        .sort((a, b) => String(a.det).localeCompare(String(b.det))),
      tracks: all('SELECT * FROM tracks WHERE media_id = ?', m.id)
        .map((t) => ({ ...strip(t, 'media_id', 'best_detection_id'), best: detKey.get(t.best_detection_id), members: trackKey(t.id) }))
        .sort((a, b) => String(a.members).localeCompare(String(b.members))),
      plates: plates
        .map((p) => ({ ...strip(p, 'media_id', 'frame_id', 'detection_id', 'track_id'), desc: plateDesc.get(p.id as number), track: trackKey(p.track_id) }))
        .sort((a, b) => String(a.desc).localeCompare(String(b.desc)))
    })
  }
  const history = all('SELECT * FROM history ORDER BY id')
  const pos = new Map(history.map((h, i) => [h.id, i]))
  const entries = history.map((h) => {
    const track = String(h.new_value ?? '').includes('"snapshot"')
    const v = (s: unknown) => {
      if (!track || s == null) return s
      const c = JSON.parse(String(s)) as { op: string; snapshot: { tracks: Row[]; members: unknown[]; plates: Row[] } }
      return { op: c.op, tracks: c.snapshot.tracks.length, members: c.snapshot.members.length, plates: c.snapshot.plates.map((p) => [p.text, p.review_state]) }
    }
    return {
      plate: plateDesc.get(h.plate_id as number),
      action: h.action,
      at: h.at,
      by: h.by,
      batch: h.batch_id,
      old: v(h.old_value),
      new: v(h.new_value),
      undoneBy: h.undone_by == null ? null : pos.get(h.undone_by)
    }
  })
  return {
    media: out,
    history: entries,
    settings: all('SELECT key, value FROM settings ORDER BY key')
  }
}

const counts = (lib: Library) =>
  Object.fromEntries(
    ['media', 'media_paths', 'frames', 'detections', 'reads', 'tracks', 'plates', 'history', 'settings'].map((t) => [
      t,
      (lib.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n
    ])
  )

/** reviews through the real Writer, as the app does; ms apart so each entry has its own time */
async function review(lib: Library): Promise<void> {
  const w = lib.writer
  const r = lib.reader
  const images = r.listPlates({ state: 'unreviewed' }, 'confidence', 0, 500).items.filter((p) => r.getMedia(p.mediaId)?.kind === 'image')
  const [a, b, c, d] = images
  w.confirm(a.id, 'ana')
  await sleep(2)
  w.correct(b.id, 'B999ZZZ', 'ana')
  await sleep(2)
  w.undo(undefined, 'ana') // the correction, undone
  await sleep(2)
  w.correct(b.id, 'B998ZZZ', 'bob')
  await sleep(2)
  w.reject(c.id, 'bob')
  await sleep(2)
  w.setBox(d.id, { x1: d.box.x1 - 3, y1: d.box.y1 - 2, x2: d.box.x2 + 3, y2: d.box.y2 + 2 }, 'bob')
  await sleep(2)
  w.add(a.mediaId, 0, { x1: 10, y1: 10, x2: 120, y2: 40 }, 'CJ01ABC', 'ana')
  // the same plate drawn twice at once (likely within one millisecond): two plates, on every copy
  w.add(b.mediaId, 0, { x1: 20, y1: 20, x2: 130, y2: 50 }, 'CJ02ABC', 'ana')
  w.add(b.mediaId, 0, { x1: 20, y1: 20, x2: 130, y2: 50 }, 'CJ02ABC', 'ana')
  await sleep(2)
  const bulk = w.bulkConfirm({ minConfidence: 0.5 }, 0.5, 'ana')
  expect(bulk.count).toBeGreaterThan(0)
  await sleep(2)
  // the video: split the confirmed track, merge two others, undo that merge, merge again (so one
  // history entry's snapshot holds a track and a plate the library no longer has)
  const video = r.listMedia(undefined, 0, 100).items.find((m) => m.kind === 'video')!
  const tracks = () => r.listTracks(video.id)
  const t = (text: string) => tracks().find((x) => x.text === text)!
  w.splitTrack(t('B123ABC').id, 8, 'ana')
  await sleep(2)
  w.mergeTracks([t('B99XYZ').id, t('CJ10XYZ').id], 'bob')
  await sleep(2)
  w.undo(undefined, 'bob')
  await sleep(2)
  w.mergeTracks([t('B99XYZ').id, t('CJ10XYZ').id], 'bob')
  await sleep(2)
  w.setTrackText(t('IF07KLM').id, 'IF07KLN', 'ana')
  w.setSettings({ lowConfidence: 0.7 })
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f)
      if (statSync(p).isDirectory()) walk(p)
      // the labels (data.yaml names the export's own folder and time)
      else if (f.endsWith('.txt')) out[relative(dir, p)] = readFileSync(p, 'utf8')
    }
  }
  walk(dir)
  return out
}

describe.skipIf(skipReason(!fixtures && FIXTURES_SKIP_REASON)).each(TARGETS)('push and pull through $name', (target) => {
  let fix: FixtureLibrary
  let dir: string
  let origin: Library
  let n = 0
  const fresh = async (_name: string) => openLibrary(await target.fresh())
  const push = (from: Library, to: Library, opts = {}): Promise<CopySummary> => copyLibrary(from.db, to.db, opts)
  const locals: Library[] = []
  const local = (name: string) => {
    const lib = openLibrary(join(dir, `${name}-${n++}.db`))
    locals.push(lib)
    return lib
  }

  beforeAll(async () => {
    fix = buildFixtureLibrary(fixtures!, { withVideo: true })
    origin = fix.lib
    dir = mkdtempSync(join(tmpdir(), 'platedesk-copy-'))
    await review(origin)
    // a second path of one image, as an import that met the same bytes elsewhere records it
    const job = origin.imports.createJob(['/elsewhere'], { fps: 0 }, [{ path: '/elsewhere/copy.jpg', root: '/elsewhere' }])
    const item = origin.imports.pendingItems(job, 0, 10)[0]
    origin.imports.commitDuplicate(item.id, origin.reader.listMedia(undefined, 0, 1).items[0].id, item.path, 1234, 1_700_000_000_000)
    origin.imports.setJobState(job, 'done')
  })
  afterAll(async () => {
    await stopTestCluster()
    for (const l of locals) l.close()
    fix?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('push into an empty library, pull into a fresh file: the same library, history and undo included', async () => {
    const server = await fresh('server')
    const s1 = await push(origin, server)
    expect(s1.media).toEqual({ total: counts(origin).media, added: counts(origin).media, present: 0 })
    expect(s1.history.added).toBe(counts(origin).history)
    expect(s1.history.undoLinks).toBe((origin.db.prepare('SELECT COUNT(*) AS n FROM history WHERE undone_by IS NOT NULL').get() as { n: number }).n)
    const back = local('pulled')
    await push(server, back)
    const want = canon(origin)
    expect(want.history.length).toBeGreaterThan(10)
    expect(canon(server)).toEqual(want)
    expect(canon(back)).toEqual(want)
    expect(back.integrityCheck().ok).toBe(true)
    expect(back.reader.listPlates({ text: 'CJ02ABC' }, 'confidence', 0, 10).total).toBe(2)
    expect(counts(back).media_paths).toBe(1)
    // the import queue stays where it ran
    expect(back.db.prepare('SELECT COUNT(*) AS n FROM import_jobs').get()).toEqual({ n: 0 })

    // the pulled library undoes as the original does: the latest change is the track's text, the one
    // before it the second merge, and undoing that brings back the track and plate that only its
    // snapshot still held
    const video = (lib: Library) => lib.reader.listMedia(undefined, 0, 100).items.find((m) => m.kind === 'video')!.id
    const trackTexts = (lib: Library) => lib.reader.listTracks(video(lib)).map((t) => [t.text, t.firstFrame, t.lastFrame, t.detections]).sort()
    expect(trackTexts(back)).toEqual(trackTexts(origin))
    for (let i = 0; i < 2; i++) {
      expect(back.writer.undo(undefined, 'carol').undone).toBe(1)
      origin.writer.undo(undefined, 'carol')
      expect(trackTexts(back)).toEqual(trackTexts(origin))
    }
    expect(trackTexts(back).length).toBe(trackTexts(server).length + 1)
    // and the redo
    const u2 = back.writer.undo(undefined, 'carol')
    origin.writer.undo(undefined, 'carol')
    expect(trackTexts(back)).toEqual(trackTexts(origin))
    expect(trackTexts(back).length).toBe(trackTexts(server).length)
    expect(u2.undone).toBe(1)
    server.close()
  })

  it('YOLO export of the pulled library equals the original’s', async () => {
    const server = await fresh('server')
    await push(origin, server)
    const back = local('pulled')
    await push(server, back)
    const a = join(dir, `yolo-a-${n}`)
    const b = join(dir, `yolo-b-${n}`)
    await runExport(origin.db, { format: 'yolo', outDir: a })
    await runExport(back.db, { format: 'yolo', outDir: b })
    const fa = files(a)
    expect(Object.keys(fa).filter((f) => f.endsWith('.txt')).length).toBeGreaterThan(3)
    const fb = files(b)
    for (const f of Object.keys(fa)) expect([f, fb[f]]).toEqual([f, fa[f]])
    expect(Object.keys(fb).sort()).toEqual(Object.keys(fa).sort())
    server.close()
  })

  it('pushing twice, and pulling what was pushed, duplicates nothing', async () => {
    const server = await fresh('server')
    await push(origin, server)
    const once = counts(server)
    const again = await push(origin, server)
    expect(counts(server)).toEqual(once)
    expect(again.media.added).toBe(0)
    expect(again.plates.added).toBe(0)
    expect(again.history.added).toBe(0)
    expect(again.history.present).toBe(once.history)
    expect(again.plates.updated).toBe(0)
    // pull it back into the library it came from: nothing new there either
    const before = counts(origin)
    const pulled = await push(server, origin)
    expect(counts(origin)).toEqual(before)
    expect(pulled.history.added + pulled.plates.added + pulled.media.added).toBe(0)
    server.close()
  })

  it('two laptops review the same plate: both histories kept, the later review decides, other work merges', async () => {
    const server = await fresh('server')
    await push(origin, server)
    const l1 = local('laptop1')
    const l2 = local('laptop2')
    await push(server, l1)
    await push(server, l2)
    const plateOf = (lib: Library, text: string) => lib.reader.listPlates({ state: 'unreviewed', text }, 'confidence', 0, 10).items[0]
    const target = origin.reader.listPlates({ state: 'unreviewed' }, 'confidence', 0, 100).items.find((p) => p.text && origin.reader.getMedia(p.mediaId)?.kind === 'image')!
    const p1 = plateOf(l1, target.text)
    const p2 = plateOf(l2, target.text)
    expect(p1 && p2).toBeTruthy()
    l1.writer.correct(p1.id, 'AB12CDE', 'laptop1')
    await sleep(5)
    l2.writer.correct(p2.id, 'XY34ZZZ', 'laptop2') // later
    await sleep(5)
    // work on different plates merges too; laptop 1 also undoes its own correction of a plate
    const other = l1.reader.listPlates({ state: 'confirmed' }, 'confidence', 0, 100).items.find((p) => p.mediaKind === 'image')!
    l1.writer.reject(other.id, 'laptop1')

    // the later review arrives first, the earlier one second: the later still wins
    const s2 = await push(l2, server)
    expect(s2.history.added).toBe(1)
    const s1 = await push(l1, server)
    expect(s1.history.added).toBe(2)
    const onServer = server.reader.listPlates({ text: 'XY34ZZZ' }, 'confidence', 0, 10).items
    expect(onServer).toHaveLength(1)
    const sid = onServer[0].id
    expect(server.reader.plateState(sid)).toMatchObject({ text: 'XY34ZZZ', reviewState: 'corrected', reviewedBy: 'laptop2' })
    // every entry of both laptops (and the box edit both pulled), in the order they were made
    const h = server.reader.listHistory(sid, 0, 10).items.sort((a, b) => a.at.localeCompare(b.at))
    expect(h.map((e) => [e.action, e.by, (e.newValue as { text?: string }).text])).toEqual([
      ['box', 'bob', undefined],
      ['correct', 'laptop1', 'AB12CDE'],
      ['correct', 'laptop2', 'XY34ZZZ']
    ])
    const rejected = server.reader.listPlates({ state: 'rejected', text: other.text }, 'confidence', 0, 10).items
    expect(rejected.map((p) => server.reader.plateState(p.id)?.reviewedBy)).toEqual(['laptop1'])
    expect(counts(server).plates).toBe(counts(origin).plates)

    // laptop 1 pulls: it takes laptop 2's later review and keeps its own entry
    const pull = await push(server, l1)
    expect(pull.plates.updated).toBe(1)
    expect(l1.reader.plateState(p1.id)).toMatchObject({ text: 'XY34ZZZ', reviewedBy: 'laptop2' })
    expect(l1.reader.listHistory(p1.id, 0, 10).total).toBe(3)
    // and laptop 2's correction is undoable there: it restores what laptop 2 had before it
    expect(l1.writer.undo(undefined, 'laptop1').plateIds).toEqual([p1.id])
    expect(l1.reader.getPlate(p1.id)).toMatchObject({ text: target.text, reviewState: 'unreviewed' })
    server.close()
  })

  it('two laptops that imported the same files on their own: their rows meet, the first structure of a track stays', async () => {
    const a = buildFixtureLibrary(fixtures!, { withVideo: true })
    const b = buildFixtureLibrary(fixtures!, { withVideo: true })
    try {
      const server = await fresh('server')
      const plate = (lib: Library) => lib.reader.listPlates({ state: 'unreviewed' }, 'confidence', 0, 1).items[0]
      const track = (lib: Library, text: string) => lib.reader.listTracks(lib.reader.listMedia(undefined, 0, 100).items.find((m) => m.kind === 'video')!.id).find((t) => t.text === text)!
      a.lib.writer.correct(plate(a.lib).id, 'AAA111', 'a')
      a.lib.writer.splitTrack(track(a.lib, 'B123ABC').id, 8, 'a')
      await sleep(5)
      b.lib.writer.correct(plate(b.lib).id, 'BBB222', 'b')
      b.lib.writer.confirmTrack(track(b.lib, 'B123ABC').id, 'b')
      const sa = await push(a.lib, server)
      const sb = await push(b.lib, server)
      expect(sb.media).toMatchObject({ added: 0, present: sa.media.total })
      expect([sb.detections.added, sb.reads.added, sb.frames.added, sb.tracks.added, sb.plates.added]).toEqual([0, 0, 0, 0, 0])
      expect(sb.history.added).toBe(2)
      const c = counts(server)
      expect(c).toMatchObject({ media: counts(a.lib).media, detections: counts(a.lib).detections, tracks: counts(a.lib).tracks, plates: counts(a.lib).plates })
      const corrected = server.reader.listPlates({ state: 'corrected' }, 'confidence', 0, 100).items.filter((p) => p.text === 'BBB222' || p.text === 'AAA111')
      expect(corrected.map((p) => p.text)).toEqual(['BBB222'])
      expect(server.reader.listHistory(corrected[0].id, 0, 10).items.map((e) => e.by).sort()).toEqual(['a', 'b'])
      // b's confirmation of the whole track lands on the part of a's split that begins where the track did
      expect(track(server, 'B123ABC').firstFrame).toBe(0)
      expect(server.integrityCheck().ok).toBe(true)
      await push(a.lib, server)
      await push(b.lib, server)
      expect(counts(server)).toEqual(c)
      server.close()
    } finally {
      a.close()
      b.close()
    }
  })

  it('a push that dies mid-way (in either pass) leaves whole media, and a re-run finishes it without duplicates', async () => {
    const want = canon(origin)
    for (const phase of ['media', 'history'] as const) {
      const server = await fresh('server')
      let calls = 0
      await expect(
        push(origin, server, {
          batchSize: 1,
          onProgress: (p: { phase: string }) => {
            if (p.phase === phase && ++calls === 2) throw new Error('power cut')
          }
        })
      ).rejects.toThrow('power cut')
      expect(server.integrityCheck().ok).toBe(true)
      const partial = counts(server)
      if (phase === 'media') expect(partial.media).toBe(2)
      else expect(partial.history).toBe(20) // two batches of 10 entries (batchSize 1 x 10)
      const rest = await push(origin, server)
      expect(rest.media.added).toBe(phase === 'media' ? counts(origin).media - 2 : 0)
      expect(canon(server)).toEqual(want)
      server.close()
    }
  })

  it('a cancelled push stops between batches and says so; a re-run completes it', async () => {
    const server = await fresh('server')
    const ac = new AbortController()
    const s = await push(origin, server, { batchSize: 3, signal: ac.signal, onProgress: () => ac.abort() })
    expect(s.cancelled).toBe(true)
    expect(counts(server).media).toBe(3)
    const rest = await push(origin, server)
    expect(rest.cancelled).toBe(false)
    expect(rest.media.present).toBe(3)
    expect(canon(server)).toEqual(canon(origin))
    server.close()
  })
})

describe.skipIf(skipReason(!fixtures && FIXTURES_SKIP_REASON))('platedesk push / pull', () => {
  let fix: FixtureLibrary
  let dir: string
  beforeAll(async () => {
    fix = buildFixtureLibrary(fixtures!, { withVideo: true })
    await review(fix.lib)
    fix.lib.close()
    dir = mkdtempSync(join(tmpdir(), 'platedesk-copy-cli-'))
  })
  afterAll(() => {
    fix?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  it('pushes, pushes again (nothing new), pulls into a fresh file, and names a missing library', () => {
    const server = join(dir, 'server.db')
    const p1 = cli('push', '--db', fix.file, '--to', server)
    expect(p1.stderr).toMatch(/push media: \d+\/\d+ \(100%\)/)
    expect(p1.code).toBe(0)
    expect(p1.stdout).toMatch(/media +\d+ added, 0 already present/)
    const p2 = cli('push', '--db', fix.file, '--to', server, '--json')
    expect(p2.code).toBe(0)
    const s2 = JSON.parse(p2.stdout) as CopySummary
    expect([s2.media.added, s2.plates.added, s2.history.added]).toEqual([0, 0, 0])
    expect(s2.history.present).toBeGreaterThan(10)
    const local = join(dir, 'laptop.db')
    const pl = cli('pull', '--db', local, '--from', server)
    expect(pl.code).toBe(0)
    expect(pl.stdout).toContain(`pulled ${s2.media.total} media to ${local}`)
    const missing = cli('pull', '--db', local, '--from', join(dir, 'nope.db'))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`--from: library ${join(dir, 'nope.db')} not found`)
    const same = cli('push', '--db', local, '--to', local)
    expect(same.code).toBe(2)
    expect(same.stderr).toContain('both ends')
  })
})
