// Finds the media files under the paths a user chose: folders recursively (many roots), single files
// as given. Folders that cannot be read are reported as failures, never thrown, so one bad folder does
// not stop an import. Hidden entries (.name) are skipped; symlinked folders are followed once.
import { opendir, stat } from 'node:fs/promises'
import { dirname, extname, join, resolve } from 'node:path'
import type { MediaKind } from '../../shared/types'

export const IMAGE_EXTS = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.bmp', '.heic', '.heif']
export const VIDEO_EXTS = ['.mp4', '.mov', '.mkv', '.avi', '.webm', '.m4v']

export function mediaKind(path: string): MediaKind | null {
  const ext = extname(path).toLowerCase()
  if (IMAGE_EXTS.includes(ext)) return 'image'
  if (VIDEO_EXTS.includes(ext)) return 'video'
  return null
}

export interface ScannedFile {
  path: string
  /** the import root (the folder the user chose, or the file's folder) */
  root: string
}

export interface ScanFailure {
  path: string
  root: string
  error: string
}

export interface ScanResult {
  files: ScannedFile[]
  failures: ScanFailure[]
}

const errText = (err: unknown) => {
  const e = err as NodeJS.ErrnoException
  const why: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'not a folder',
    ELOOP: 'symlink loop'
  }
  return (e.code && why[e.code]) || e.message || String(err)
}

export async function scanPaths(paths: string[], opts: { signal?: AbortSignal } = {}): Promise<ScanResult> {
  const files: ScannedFile[] = []
  const failures: ScanFailure[] = []
  const seenFiles = new Set<string>()
  const seenDirs = new Set<string>()
  for (const p of paths) {
    const abs = resolve(p)
    let st
    try {
      st = await stat(abs)
    } catch (err) {
      failures.push({ path: abs, root: abs, error: `${abs}: ${errText(err)}` })
      continue
    }
    if (st.isFile()) {
      if (!mediaKind(abs)) failures.push({ path: abs, root: dirname(abs), error: `${abs}: unsupported file type` })
      else if (!seenFiles.has(abs)) {
        seenFiles.add(abs)
        files.push({ path: abs, root: dirname(abs) })
      }
      continue
    }
    if (!st.isDirectory()) {
      failures.push({ path: abs, root: abs, error: `${abs}: not a file or folder` })
      continue
    }
    // iterative depth-first walk, entries sorted so the queue order is stable
    const stack = [abs]
    while (stack.length) {
      if (opts.signal?.aborted) throw new Error('scan cancelled')
      const dir = stack.pop()!
      let key: string
      try {
        const ds = await stat(dir)
        key = `${ds.dev}:${ds.ino}`
      } catch (err) {
        failures.push({ path: dir, root: abs, error: `${dir}: ${errText(err)}` })
        continue
      }
      if (seenDirs.has(key)) continue
      seenDirs.add(key)
      const subdirs: string[] = []
      const here: string[] = []
      try {
        const handle = await opendir(dir)
        for await (const ent of handle) {
          if (ent.name.startsWith('.')) continue
          const full = join(dir, ent.name)
          if (ent.isDirectory()) subdirs.push(full)
          else if (ent.isFile()) {
            if (mediaKind(full)) here.push(full)
          } else if (ent.isSymbolicLink()) {
            try {
              const t = await stat(full)
              if (t.isDirectory()) subdirs.push(full)
              else if (t.isFile() && mediaKind(full)) here.push(full)
            } catch {
              /* dangling link: nothing to import */
            }
          }
        }
      } catch (err) {
        failures.push({ path: dir, root: abs, error: `${dir}: cannot read folder (${errText(err)})` })
        continue
      }
      here.sort()
      for (const f of here) {
        if (seenFiles.has(f)) continue
        seenFiles.add(f)
        files.push({ path: f, root: abs })
      }
      subdirs.sort().reverse() // popped in name order
      stack.push(...subdirs)
    }
  }
  return { files, failures }
}
