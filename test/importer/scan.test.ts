// Issue 9, item 5: a scan stays inside the chosen folders (links out are reported, not followed; link
// cycles end), refuses pseudo filesystems at once, reports progress and stops on cancel.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { ImportQueue } from '../../src/main/importer/queue'
import { scanPaths, ScanCancelledError, type ScanProgress } from '../../src/main/importer/scan'
import { createLibraryService } from '../../src/main/services/library'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'platedesk-scan-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('scanPaths', () => {
  it('does not leave the chosen folder through symlinks, ends link cycles, and says what it did not follow', async () => {
    const root = join(dir, 'tree', 'root')
    const outside = join(dir, 'tree', 'elsewhere')
    mkdirSync(join(root, 'a', 'b'), { recursive: true })
    mkdirSync(outside, { recursive: true })
    writeFileSync(join(root, 'a', 'x.jpg'), 'x')
    writeFileSync(join(root, 'a', 'b', 'y.mp4'), 'y')
    writeFileSync(join(outside, 'secret.jpg'), 's')
    symlinkSync(root, join(root, 'a', 'b', 'loop')) // a cycle back to the root
    symlinkSync(join(root, 'a'), join(root, 'again')) // a second way into a folder inside the root
    symlinkSync(outside, join(root, 'out')) // a folder outside
    symlinkSync(join(outside, 'secret.jpg'), join(root, 'a', 'linked.jpg')) // a file outside
    symlinkSync(join(root, 'a', 'x.jpg'), join(root, 'inside.jpg')) // a file inside: followed
    const r = await scanPaths([root])
    const paths = r.files.map((f) => f.path)
    expect(paths.some((p) => p.includes('secret') || p.includes(`${join(root, 'out')}/`) || p.endsWith('linked.jpg'))).toBe(false)
    // each folder once (the cycle and the second link add nothing), the inside link kept
    expect(paths.filter((p) => p.endsWith('x.jpg'))).toHaveLength(1)
    expect(paths.filter((p) => p.endsWith('y.mp4'))).toHaveLength(1)
    expect(paths).toContain(join(root, 'inside.jpg'))
    expect(r.linksOutside).toBe(2)
    expect(r.failures.map((f) => f.error).sort()).toEqual([
      `${join(root, 'a', 'linked.jpg')}: symbolic link to ${join(outside, 'secret.jpg')}, outside the chosen folders: not followed`,
      `${join(root, 'out')}: symbolic link to ${outside}, outside the chosen folders: not followed`
    ])
    expect(r.notes).toEqual(['2 symbolic links lead outside the chosen folders and were not followed'])
    // choosing the outside folder too makes the link a way inside the chosen folders
    const both = await scanPaths([root, outside])
    expect(both.linksOutside).toBe(0)
    expect(both.files.filter((f) => f.path.endsWith('secret.jpg'))).toHaveLength(1)
  })

  it.runIf(process.platform === 'linux')('refuses /proc, /sys and /dev at once with a clear error', async () => {
    const t0 = Date.now()
    const r = await scanPaths(['/proc', '/sys', '/dev/shm', '/proc/self/status'])
    expect(r.files).toEqual([])
    expect(r.failures.map((f) => f.error)).toEqual([
      '/proc: a proc pseudo filesystem holds no photos or videos (refused; choose a folder of media files)',
      '/sys: a sysfs pseudo filesystem holds no photos or videos (refused; choose a folder of media files)',
      '/dev/shm: a device pseudo filesystem holds no photos or videos (refused; choose a folder of media files)',
      '/proc/self/status: a proc pseudo filesystem holds no photos or videos (refused; choose a folder of media files)'
    ])
    expect(Date.now() - t0).toBeLessThan(10_000) // was 22.8 s and 31,289 files for /proc
  })

  it('reports progress and stops when cancelled', async () => {
    const big = join(dir, 'big')
    for (let i = 0; i < 60; i++) {
      mkdirSync(join(big, `d${String(i).padStart(2, '0')}`, 'sub'), { recursive: true })
      writeFileSync(join(big, `d${String(i).padStart(2, '0')}`, 'sub', 'p.jpg'), 'p')
    }
    const seen: ScanProgress[] = []
    const full = await scanPaths([big], { onProgress: (p) => seen.push(p), progressIntervalMs: 0 })
    expect(full.files).toHaveLength(60)
    expect(seen.length).toBeGreaterThan(100)
    expect(seen.at(-1)).toEqual({ dirs: 121, files: 60, current: null })
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.dirs).toBeGreaterThanOrEqual(seen[i - 1]!.dirs)

    const ac = new AbortController()
    const progress: ScanProgress[] = []
    const err = await scanPaths([big], {
      signal: ac.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        progress.push(p)
        if (p.dirs === 10) ac.abort()
      }
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ScanCancelledError)
    expect((err as ScanCancelledError).progress.dirs).toBe(10)
    expect((err as Error).message).toMatch(/^scan cancelled after 10 folders and \d+ files$/)
  })

  it('a cancelled scan of a new import leaves no job behind', async () => {
    const lib = openLibrary(join(dir, 'lib.db'))
    const queue = new ImportQueue({ library: lib, engine: () => Promise.reject(new Error('no engine needed')) })
    try {
      const ac = new AbortController()
      ac.abort()
      await expect(queue.enqueue([join(dir, 'big')], {}, ac.signal)).rejects.toMatchObject({ code: 'cancelled' })
      expect(lib.imports.latestJob()).toBeNull()
      // cancelScans() stops scans in flight (here: the one started below, stopped at its first folder)
      const pending = queue.enqueue([join(dir, 'big')])
      expect(queue.cancelScans()).toBe(1)
      await expect(pending).rejects.toBeInstanceOf(ScanCancelledError)
      expect(lib.imports.latestJob()).toBeNull()
    } finally {
      await queue.close()
      lib.close()
    }
  })

  it('through the API: library.import emits import.scan progress, and import.cancelScan stops it', async () => {
    const lib = openLibrary(join(dir, 'lib-api.db'))
    const scans: ScanProgress[] = []
    let cancelled: { cancelled: number } | null = null
    const svc = createLibraryService({
      library: lib,
      engine: () => Promise.reject(new Error('no engine needed')),
      emit: (name, payload) => {
        if (name !== 'import.scan') return
        scans.push(payload as ScanProgress)
        if (!cancelled) cancelled = svc.handlers['import.cancelScan']({}) as { cancelled: number }
      }
    })
    try {
      const err = await Promise.resolve(svc.handlers['library.import']({ paths: [join(dir, 'big')] })).catch((e: unknown) => e)
      expect(cancelled).toEqual({ cancelled: 1 })
      expect(scans[0]).toMatchObject({ dirs: 1, current: join(dir, 'big') })
      expect(err).toMatchObject({ code: 'conflict', message: expect.stringMatching(/^scan cancelled after 1 folder and 0 files$/) })
      expect(lib.imports.latestJob()).toBeNull()
    } finally {
      await svc.dispose()
      lib.close()
    }
  })
})
