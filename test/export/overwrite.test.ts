// Export --overwrite replaces only the files a previous PlateDesk export of the same format wrote (listed in
// .platedesk-export.json); a user's files and folders inside the export folder are never removed, and a
// file the export would write over is a 'conflict' that names it.
import { execFile } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORT_MANIFEST, runExport } from '../../src/main/export/index'
import type { ExportOptions } from '../../src/shared/types'
import { FIXTURES_SKIP_REASON, fixturesDir, REPO_ROOT, skipReason } from '../helpers/models'
import { buildFixtureLibrary, type FixtureLibrary } from './fixture-library'

const FIX = fixturesDir()

/** every file under dir, relative, '/'-separated */
function filesUnder(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.push(relative(dir, p).split(sep).join('/'))
    }
  }
  walk(dir)
  return out.sort()
}

interface Manifest {
  exports: Record<string, { files: { path: string; size: number }[]; dirs: string[] }>
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, EXPORT_MANIFEST), 'utf8')) as Manifest

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('export overwrite', () => {
  let f: FixtureLibrary
  beforeAll(() => {
    f = buildFixtureLibrary(FIX!)
  })
  afterAll(() => f?.close())
  const yolo = (outDir: string, o: Partial<ExportOptions> = {}) => runExport(f.lib.db, { format: 'yolo', outDir, overwrite: true, ...o })

  /** the user's own things inside the export folder, some in folders the YOLO layout uses */
  const userFiles = { 'images/mine/a.txt': 'x\n', 'labels/notes.md': 'my notes\n', 'notes.txt': 'keep me\n' }
  const addUserFiles = (dir: string): void => {
    for (const [rel, text] of Object.entries(userFiles)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true })
      writeFileSync(join(dir, rel), text)
    }
  }
  const expectUserFiles = (dir: string): void => {
    for (const [rel, text] of Object.entries(userFiles)) expect(readFileSync(join(dir, rel), 'utf8'), rel).toBe(text)
  }

  it('keeps a user folder inside images/ (the issue: `mkdir -p D/images/mine` was removed) and lists what it wrote', async () => {
    const dir = join(f.dir, 'D')
    addUserFiles(dir)
    const first = await yolo(dir)
    expect(first.images).toBeGreaterThan(5)
    expectUserFiles(dir)
    const written = manifest(dir).exports.yolo.files.map((x) => x.path)
    // the folder holds exactly the user's files, what the export wrote, and the manifest
    expect(filesUnder(dir)).toEqual([...Object.keys(userFiles), ...written, EXPORT_MANIFEST].sort())
    expect(written).toContain('data.yaml')
    expect(written.filter((p) => p.startsWith('images/'))).toHaveLength(first.images)

    // a second overwrite with another split moves every image: the old files are replaced, the user's stay
    const second = await yolo(dir, { split: [1, 0, 0] })
    expect(second.images).toBe(first.images)
    expectUserFiles(dir)
    const again = manifest(dir).exports.yolo.files.map((x) => x.path)
    expect(again.filter((p) => p.startsWith('images/')).every((p) => p.startsWith('images/train/'))).toBe(true)
    expect(filesUnder(dir)).toEqual([...Object.keys(userFiles), ...again, EXPORT_MANIFEST].sort())
    expect(existsSync(join(dir, 'images', 'mine'))).toBe(true)
  })

  it('a user file where the export would write is a conflict naming it, and stays as it was', async () => {
    const probe = join(f.dir, 'probe')
    await yolo(probe, { overwrite: false })
    const someImage = manifest(probe).exports.yolo.files.find((x) => x.path.startsWith('images/'))!.path

    const dir = join(f.dir, 'clash')
    mkdirSync(join(dir, someImage, '..'), { recursive: true })
    writeFileSync(join(dir, someImage), 'my own picture')
    await expect(yolo(dir)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(join(dir, someImage)) })
    expect(readFileSync(join(dir, someImage), 'utf8')).toBe('my own picture')
    // what it wrote before it stopped is listed, so the next overwrite can replace it
    const listed = manifest(dir).exports.yolo.files.map((x) => x.path)
    expect(listed).not.toContain(someImage)
    for (const p of filesUnder(dir)) if (p !== someImage && p !== EXPORT_MANIFEST) expect(listed).toContain(p)
  })

  it('a file the user changed after the export wrote it is not replaced (conflict), nothing is removed', async () => {
    const dir = join(f.dir, 'edited')
    await yolo(dir, { overwrite: false })
    const before = filesUnder(dir)
    const label = manifest(dir).exports.yolo.files.find((x) => x.path.startsWith('labels/'))!.path
    appendFileSync(join(dir, label), '0 0.5 0.5 0.1 0.1\n')
    await expect(yolo(dir)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(join(dir, label)) })
    expect(filesUnder(dir)).toEqual(before)
  })

  it('another format’s export in the same folder is left alone', async () => {
    const dir = join(f.dir, 'mixed')
    await runExport(f.lib.db, { format: 'voc', outDir: dir })
    const voc = manifest(dir).exports.voc.files.map((x) => x.path)
    await yolo(dir)
    await yolo(dir)
    const m = manifest(dir)
    expect(m.exports.voc.files.map((x) => x.path)).toEqual(voc)
    expect(filesUnder(dir)).toEqual([...voc, ...m.exports.yolo.files.map((x) => x.path), EXPORT_MANIFEST].sort())
  })

  it('platedesk export --overwrite (the CLI of the issue) keeps D/images/mine', async () => {
    const dir = join(f.dir, 'cli')
    mkdirSync(join(dir, 'images', 'mine'), { recursive: true })
    writeFileSync(join(dir, 'images', 'mine', 'a.txt'), 'x\n')
    const run = promisify(execFile)
    await run(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'export', '--db', f.file, '--format', 'yolo', '--out', dir, '--overwrite'], {
      encoding: 'utf8'
    }).catch((e: { code: number; stderr: string }) => {
      // exit 1 only for files that failed (the fixture's missing media); anything else is a real failure
      if (e.code !== 1 || !/source file not found/.test(e.stderr)) throw e
    })
    expect(readFileSync(join(dir, 'images', 'mine', 'a.txt'), 'utf8')).toBe('x\n')
    expect(manifest(dir).exports.yolo.files.length).toBeGreaterThan(5)
  })
})
