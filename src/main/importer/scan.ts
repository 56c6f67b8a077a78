// Finds the media files under the paths a user chose: folders recursively (many roots), single files
// as given. Folders that cannot be read are reported as failures, never thrown, so one bad folder does
// not stop an import. Hidden entries (.name) are skipped.
//
// The walk stays inside the chosen roots: a symbolic link is followed only when its target lies inside
// one of them (each folder is entered once, by device:inode, so link cycles end), and links that lead
// out are counted and reported, not followed. Pseudo filesystems (/proc, /sys, /dev, cgroup, ...) hold
// no photos and endless or huge trees: they are refused as roots and skipped where a walk meets them.
// A scan reports progress and stops promptly when its AbortSignal fires.
import type { Dirent } from 'node:fs'
import { opendir, realpath, stat, statfs } from 'node:fs/promises'
import { dirname, extname, join, resolve, sep } from 'node:path'
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

export interface ScanProgress {
  dirs: number
  files: number
  /** the folder being read */
  current: string | null
}

export interface ScanResult {
  files: ScannedFile[]
  failures: ScanFailure[]
  /** symbolic links not followed because they lead outside the chosen folders */
  linksOutside: number
  /** pseudo filesystems met inside a root and skipped */
  pseudoSkipped: string[]
  /** one line per thing the user should know (links not followed, filesystems skipped) */
  notes: string[]
}

export interface ScanOptions {
  signal?: AbortSignal
  /** called every few hundred folders (and at the end) */
  onProgress?: (p: ScanProgress) => void
  /** ms between progress calls; default 200 */
  progressIntervalMs?: number
}

export class ScanCancelledError extends Error {
  readonly code = 'cancelled'
  constructor(readonly progress: ScanProgress) {
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`
    super(`scan cancelled after ${n(progress.dirs, 'folder')} and ${n(progress.files, 'file')}`)
    this.name = 'ScanCancelledError'
  }
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

// statfs f_type magic numbers of Linux pseudo filesystems (linux/magic.h)
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0x65735543: 'fusectl',
  0x6165676c: 'pstore',
  0xde5e81e4: 'efivarfs',
  0x42494e4d: 'binfmt_misc',
  0x19800202: 'mqueue',
  0x958458f6: 'hugetlbfs',
  0x50495045: 'pipefs',
  0x534f434b: 'sockfs',
  0x454d444d: 'devtmpfs' // (devtmpfs reports tmpfs' magic on most kernels; /dev is caught by its path)
}
const PSEUDO_PREFIXES = process.platform === 'win32' ? [] : process.platform === 'linux' ? ['/proc', '/sys', '/dev'] : ['/dev']

const MAX_LINK_REPORTS = 50

const under = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep)

/** The kind of pseudo filesystem `path` (a real path) is on, or null for an ordinary one. */
export async function pseudoFilesystem(path: string): Promise<string | null> {
  const prefix = PSEUDO_PREFIXES.find((p) => under(path, p))
  if (prefix) return { '/proc': 'proc', '/sys': 'sysfs', '/dev': 'device' }[prefix] ?? prefix.slice(1)
  if (process.platform !== 'linux') return null
  try {
    const s = await statfs(path)
    return PSEUDO_FS[Number(s.type)] ?? null
  } catch {
    return null
  }
}

const refusal = (path: string, kind: string) => `${path}: a ${kind} pseudo filesystem holds no photos or videos (refused; choose a folder of media files)`

export async function scanPaths(paths: string[], opts: ScanOptions = {}): Promise<ScanResult> {
  const res: ScanResult = { files: [], failures: [], linksOutside: 0, pseudoSkipped: [], notes: [] }
  const seenFiles = new Set<string>()
  const seenDirs = new Set<string>()
  const progress: ScanProgress = { dirs: 0, files: 0, current: null }
  const interval = opts.progressIntervalMs ?? 200
  let lastEmit = 0
  const emit = (force = false) => {
    if (!opts.onProgress) return
    const now = Date.now()
    if (!force && now - lastEmit < interval) return
    lastEmit = now
    opts.onProgress({ ...progress })
  }
  const checkAbort = () => {
    if (opts.signal?.aborted) throw new ScanCancelledError({ ...progress })
  }
  const addFile = (path: string, root: string) => {
    if (seenFiles.has(path)) return
    seenFiles.add(path)
    res.files.push({ path, root })
    progress.files++
  }

  // the real paths of the chosen folders: a link may lead anywhere inside any of them
  const realRoots: string[] = []
  const roots: { abs: string; real: string; isDir: boolean }[] = []
  for (const p of paths) {
    checkAbort()
    const abs = resolve(p)
    let real: string
    let isDir: boolean
    try {
      real = await realpath(abs)
      const st = await stat(real)
      isDir = st.isDirectory()
      if (!isDir && !st.isFile()) {
        res.failures.push({ path: abs, root: abs, error: `${abs}: not a file or folder` })
        continue
      }
    } catch (err) {
      res.failures.push({ path: abs, root: abs, error: `${abs}: ${errText(err)}` })
      continue
    }
    const pseudo = await pseudoFilesystem(real)
    if (pseudo) {
      res.failures.push({ path: abs, root: abs, error: refusal(abs, pseudo) })
      continue
    }
    roots.push({ abs, real, isDir })
    if (isDir) realRoots.push(real)
  }
  const inRoots = (real: string) => realRoots.some((r) => under(real, r))

  for (const { abs, isDir } of roots) {
    if (!isDir) {
      if (!mediaKind(abs)) res.failures.push({ path: abs, root: dirname(abs), error: `${abs}: unsupported file type` })
      else addFile(abs, dirname(abs))
      continue
    }
    // iterative depth-first walk, entries sorted so the queue order is stable
    const stack: { dir: string; dev: number }[] = [{ dir: abs, dev: -1 }]
    while (stack.length) {
      checkAbort()
      const { dir, dev: parentDev } = stack.pop()!
      let ds
      try {
        ds = await stat(dir)
      } catch (err) {
        res.failures.push({ path: dir, root: abs, error: `${dir}: ${errText(err)}` })
        continue
      }
      const key = `${ds.dev}:${ds.ino}`
      if (seenDirs.has(key)) continue // a link cycle, or a folder reached twice
      seenDirs.add(key)
      if (parentDev !== -1 && ds.dev !== parentDev) {
        // a mount point: make sure it is not /proc or the like mounted inside the root
        const pseudo = await pseudoFilesystem(dir)
        if (pseudo) {
          res.pseudoSkipped.push(dir)
          res.notes.push(`${dir}: skipped, a ${pseudo} pseudo filesystem`)
          res.failures.push({ path: dir, root: abs, error: refusal(dir, pseudo) })
          continue
        }
      }
      progress.dirs++
      progress.current = dir
      emit()
      const subdirs: string[] = []
      const here: string[] = []
      try {
        const handle = await opendir(dir)
        let n = 0
        for await (const ent of handle as AsyncIterable<Dirent>) {
          if (++n % 512 === 0) checkAbort()
          if (ent.name.startsWith('.')) continue
          const full = join(dir, ent.name)
          if (ent.isDirectory()) subdirs.push(full)
          else if (ent.isFile()) {
            if (mediaKind(full)) here.push(full)
          } else if (ent.isSymbolicLink()) {
            if (!mediaKind(full) && !(await isDirLink(full))) continue
            // follow only links whose target stays inside the chosen folders
            let target: string
            try {
              target = await realpath(full)
            } catch {
              continue // dangling link or a loop: nothing to import
            }
            if (!inRoots(target)) {
              // said once per link (up to a few dozen) in the job's failures, then counted
              if (res.linksOutside++ < MAX_LINK_REPORTS) {
                res.failures.push({ path: full, root: abs, error: `${full}: symbolic link to ${target}, outside the chosen folders: not followed` })
              }
              continue
            }
            const t = await stat(target).catch(() => null)
            if (t?.isDirectory()) subdirs.push(full)
            else if (t?.isFile() && mediaKind(full)) here.push(full)
          }
        }
      } catch (err) {
        if (err instanceof ScanCancelledError) throw err
        res.failures.push({ path: dir, root: abs, error: `${dir}: cannot read folder (${errText(err)})` })
        continue
      }
      here.sort()
      for (const f of here) addFile(f, abs)
      subdirs.sort().reverse() // popped in name order
      for (const d of subdirs) stack.push({ dir: d, dev: ds.dev })
    }
  }
  if (res.linksOutside) {
    res.notes.push(`${res.linksOutside} symbolic link${res.linksOutside > 1 ? 's' : ''} lead${res.linksOutside > 1 ? '' : 's'} outside the chosen folders and ${res.linksOutside > 1 ? 'were' : 'was'} not followed`)
  }
  progress.current = null
  emit(true)
  return res
}

/** whether a symlink points at a folder (false when dangling) */
async function isDirLink(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}
