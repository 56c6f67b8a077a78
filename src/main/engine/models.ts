// Model management: the manifest (models/manifest.json), where the model files are looked up, their
// verification (size + sha256) and their download. Pure Node: the Electron main process passes its
// userData dir in, so this file never imports electron.
import { createHash } from 'node:crypto'
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import http from 'node:http'
import https from 'node:https'
import type { ModelStatus, ModelTask } from '../../shared/types'
import { sha256File as streamSha256 } from '../media/hash'

export interface ModelInputSpec {
  name: string
  dtype: 'float32' | 'uint8'
  layout: 'NCHW' | 'NHWC'
  width: number
  height: number
  channels: number
  scale?: string
  resize?: 'letterbox' | 'stretch'
  /** float inputs: channel order of the tensor (default RGB) */
  channelOrder?: 'RGB' | 'BGR'
  /** float inputs: (pixel - mean) / std per channel, in the tensor's channel order (pixels 0..255) */
  mean?: number[]
  std?: number[]
}

/**
 * What a recognizer's output means. 'slots' / 'slots+region': fixed-slot softmax [N, slots, classes]
 * (fast-plate-ocr). 'ctc': per-time-step class scores, axes 'NCT' ([N, classes, T]) or 'NTC'
 * ([N, T, classes]), `blank` the CTC blank's class index; scores are logits unless scores: 'probs'.
 */
export interface ModelOutputSpec {
  layout: 'end2end' | 'slots' | 'slots+region' | 'ctc' | string
  names: string[]
  axes?: 'NCT' | 'NTC'
  scores?: 'logits' | 'probs'
}

export interface ModelEntry {
  id: string
  task: ModelTask
  file: string
  sha256: string
  size: number
  input: ModelInputSpec
  output: ModelOutputSpec
  classes?: string[]
  slots?: number
  /** one class per character (code point), any Unicode; for CTC the blank's place holds a placeholder */
  alphabet?: string
  padChar?: string
  /** CTC: the blank's class index */
  blank?: number
  regions?: string[]
  license: string
  source?: string
  /** where the app downloads it; absent for models that ship with PlateDesk (bundled) */
  url?: string
  /** committed in the repository's models/ folder and packaged with the app (no download) */
  bundled?: boolean
  default?: boolean
  /** added by the user (`platedesk models add`): listed in the user-data models folder's manifest.json,
   *  its file lives only there, and it can be removed */
  user?: boolean
  /** user models: the fast-plate-ocr config the entry was made from (kept for reference) */
  config?: string
  /** when it was added (ISO time) */
  added?: string
}

export interface Manifest {
  version: number
  models: ModelEntry[]
}

/** Finds models/manifest.json from the source tree (src/main/engine) or the bundle (out/main). */
function findManifestPath(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [
    process.env.PLATEDESK_MANIFEST,
    resolve(here, '../../../models/manifest.json'), // src/main/engine → repo root
    resolve(here, '../../models/manifest.json'), // out/main → repo root
    resolve(process.cwd(), 'models/manifest.json'),
    // packaged app: electron-builder extraResources put it next to app.asar
    (process as unknown as { resourcesPath?: string }).resourcesPath
      ? join((process as unknown as { resourcesPath: string }).resourcesPath, 'models/manifest.json')
      : undefined
  ]
  for (const c of candidates) if (c && existsSync(c)) return c
  throw new Error(`models/manifest.json not found (looked in: ${candidates.filter(Boolean).join(', ')})`)
}

let builtinCache: Manifest | null = null
/** the merged manifest, valid while the user manifest file keeps its mtime and size */
let mergedCache: { key: string; manifest: Manifest } | null = null
/** the userData dir the process runs with (Electron's, or a test's); unset: the platform default */
let configuredUserDataDir: string | undefined

/** The folder of the manifest: it also holds the models that ship with PlateDesk (repo models/, or
 *  resources/models in the packaged app). */
export function bundledModelsDir(): string | null {
  try {
    return dirname(findManifestPath())
  } catch {
    return null
  }
}

/**
 * Sets the userData dir whose models/manifest.json lists the user's own models (the engine's workers
 * and the backend call it with their userDataDir; the CLI keeps the platform default).
 */
export function useUserDataDir(userDataDir: string | undefined): void {
  if (userDataDir === configuredUserDataDir) return
  configuredUserDataDir = userDataDir
  mergedCache = null
}

/** The user manifest: <user models dir>/manifest.json. */
export function userManifestPath(userDataDir = configuredUserDataDir): string {
  return join(userModelsDir(userDataDir), 'manifest.json')
}

/** The user's own models (empty when there is no user manifest). Throws naming the file when it is unreadable. */
export function loadUserManifest(userDataDir = configuredUserDataDir): Manifest {
  const p = userManifestPath(userDataDir)
  if (!existsSync(p)) return { version: 1, models: [] }
  let m: Manifest
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as Manifest
  } catch (err) {
    throw new Error(`${p}: the user model list is not valid JSON (${(err as Error).message}); fix or delete it`)
  }
  if (!m || !Array.isArray(m.models)) throw new Error(`${p}: "models" is not an array; fix or delete it`)
  return { version: m.version ?? 1, models: m.models.map((e) => ({ ...e, user: true })) }
}

function loadBuiltin(): Manifest {
  if (builtinCache) return builtinCache
  const p = findManifestPath()
  const m = JSON.parse(readFileSync(p, 'utf8')) as Manifest
  if (!Array.isArray(m.models)) throw new Error(`${p}: "models" is not an array`)
  builtinCache = m
  return m
}

/**
 * The built-in manifest (models/manifest.json) followed by the user's models. A user entry whose id a
 * built-in model already has is skipped (models add refuses such ids; a hand-edited file cannot shadow one).
 * With an explicit path: that file alone.
 */
export function loadManifest(path?: string): Manifest {
  if (path) {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest
    if (!Array.isArray(m.models)) throw new Error(`${path}: "models" is not an array`)
    return m
  }
  const builtin = loadBuiltin()
  const up = userManifestPath()
  let key = up
  try {
    const st = statSync(up)
    key += `:${st.mtimeMs}:${st.size}`
  } catch {
    key += ':none'
  }
  if (mergedCache?.key === key) return mergedCache.manifest
  const ids = new Set(builtin.models.map((m) => m.id))
  let user: ModelEntry[] = []
  if (!key.endsWith(':none')) {
    try {
      user = loadUserManifest().models.filter((m) => !ids.has(m.id))
    } catch (err) {
      // the built-in models keep working; `models add` refuses to touch the file until it is fixed
      process.stderr.write(`PlateDesk: your models are not loaded: ${(err as Error).message}\n`)
    }
  }
  const manifest = { version: builtin.version, models: [...builtin.models, ...user] }
  mergedCache = { key, manifest }
  return manifest
}

/** The ids of the models that ship with PlateDesk (models/manifest.json), never the user's. */
export function builtinModelIds(): Set<string> {
  return new Set(loadBuiltin().models.map((m) => m.id))
}

/** Looks a model up by id, or by its file name with or without .onnx (settings may hold either). */
export function getModel(id: string): ModelEntry {
  const models = loadManifest().models
  const stem = (f: string) => f.replace(/\.onnx$/i, '')
  const m = models.find((e) => e.id === id) ?? models.find((e) => e.file === id || stem(e.file) === stem(id))
  if (!m) throw new Error(`unknown model id "${id}" (known: ${models.map((e) => e.id).join(', ')})`)
  return m
}

export function defaultModel(task: ModelTask): ModelEntry {
  const models = loadManifest().models.filter((e) => e.task === task)
  const m = models.find((e) => e.default) ?? models[0]
  if (!m) throw new Error(`no ${task} model in the manifest`)
  return m
}

/** The per-user models dir: Electron's userData/models when given, else the platform's usual place. */
export function userModelsDir(userDataDir?: string): string {
  if (userDataDir) return join(userDataDir, 'models')
  const home = homedir()
  if (process.platform === 'win32') {
    return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'PlateDesk', 'models')
  }
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'PlateDesk', 'models')
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'PlateDesk', 'models')
}

/** Dirs a user's model files are looked up in, in order: an explicit dir, ALPR_MODELS_DIR, the user-data dir. */
function userSearchDirs(opts: { modelsDir?: string; userDataDir?: string }): string[] {
  const dirs: string[] = []
  if (opts.modelsDir) dirs.push(resolve(opts.modelsDir))
  if (process.env.ALPR_MODELS_DIR) dirs.push(resolve(process.env.ALPR_MODELS_DIR))
  dirs.push(userModelsDir(opts.userDataDir ?? configuredUserDataDir))
  return [...new Set(dirs)]
}

/**
 * Dirs searched, in order: an explicit dir, ALPR_MODELS_DIR, the user-data dir, then the folder of
 * the manifest, which holds the bundled models (last, so a user's own copy of a file still wins).
 */
export function modelSearchDirs(opts: { modelsDir?: string; userDataDir?: string } = {}): string[] {
  const dirs = userSearchDirs(opts)
  const bundled = bundledModelsDir()
  if (bundled) dirs.push(resolve(bundled))
  return [...new Set(dirs)]
}

/** Where a downloaded model goes: the explicit dir, else ALPR_MODELS_DIR, else the user-data dir. */
export function modelsInstallDir(opts: { modelsDir?: string; userDataDir?: string } = {}): string {
  return userSearchDirs(opts)[0]!
}

// Hashing 2-3 MB files costs ~10 ms each; the cache keeps repeated status()/start-up checks free.
const hashCache = new Map<string, { mtimeMs: number; size: number; sha256: string }>()

export async function sha256File(path: string): Promise<string> {
  const st = await stat(path)
  const hit = hashCache.get(path)
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.sha256
  const sha256 = await streamSha256(path)
  hashCache.set(path, { mtimeMs: st.mtimeMs, size: st.size, sha256 })
  return sha256
}

function howToGet(entry: ModelEntry, dirs: string[]): string {
  if (entry.user) {
    return `searched: ${dirs.join(', ')}. ${entry.file} is a model you added: add it again (platedesk models add FILE --id ${entry.id}) or remove it (platedesk models remove ${entry.id})`
  }
  if (!entry.url) {
    return `searched: ${dirs.join(', ')}. ${entry.file} ships with PlateDesk (models/ folder): reinstall, or restore it from the repository`
  }
  return (
    `searched: ${dirs.join(', ')}. To fix: set ALPR_MODELS_DIR to a folder holding ${entry.file}, ` +
    `or let PlateDesk download it from ${entry.url} (Settings → Models, or \`platedesk models --download\`)`
  )
}

/** Checks one model: the first dir holding the file wins; a wrong size or checksum is "corrupt". */
export async function verifyModel(
  entry: ModelEntry,
  opts: { modelsDir?: string; userDataDir?: string } = {}
): Promise<ModelStatus> {
  // a user model's file lives next to the manifest that lists it, nowhere else
  const dirs = entry.user ? [userModelsDir(opts.userDataDir ?? configuredUserDataDir)] : modelSearchDirs(opts)
  for (const dir of dirs) {
    const path = join(dir, entry.file)
    let size: number
    try {
      const st = statSync(path)
      if (!st.isFile()) continue
      size = st.size
    } catch {
      continue
    }
    const base = { id: entry.id, task: entry.task, file: entry.file, path }
    if (size !== entry.size) {
      return {
        ...base,
        state: 'corrupt',
        message: `${path}: size ${size} bytes, expected ${entry.size} (incomplete or wrong file); ${howToGet(entry, dirs)}`
      }
    }
    const sum = await sha256File(path)
    if (sum !== entry.sha256) {
      return {
        ...base,
        state: 'corrupt',
        message: `${path}: sha256 ${sum} does not match the manifest (${entry.sha256}); ${howToGet(entry, dirs)}`
      }
    }
    return { ...base, state: 'ok', message: `${path}: ok` }
  }
  return {
    id: entry.id,
    task: entry.task,
    file: entry.file,
    path: null,
    state: 'missing',
    message: `model ${entry.id} (${entry.file}) not found; ${howToGet(entry, dirs)}`
  }
}

export async function verifyModels(opts: { modelsDir?: string; userDataDir?: string } = {}): Promise<ModelStatus[]> {
  return Promise.all(loadManifest().models.map((e) => verifyModel(e, opts)))
}

/** Raised when a needed model is missing or corrupt; the message says where we looked and how to fix it. */
export class ModelError extends Error {
  constructor(readonly status: ModelStatus) {
    super(status.message)
    this.name = 'ModelError'
  }
}

/** Resolves a model id (or the task default) to a verified file path, or throws ModelError. */
export async function resolveModelPath(
  task: ModelTask,
  id: string | undefined,
  opts: { modelsDir?: string; userDataDir?: string } = {}
): Promise<{ entry: ModelEntry; path: string }> {
  const entry = id ? getModel(id) : defaultModel(task)
  if (entry.task !== task) throw new Error(`model ${entry.id} is a ${entry.task}, not a ${task}`)
  const st = await verifyModel(entry, opts)
  if (st.state !== 'ok' || !st.path) throw new ModelError(st)
  return { entry, path: st.path }
}

export interface DownloadProgress {
  bytes: number
  /** null when the server sends no Content-Length */
  total: number | null
}

/** The URL a model is fetched from: ALPR_MODELS_BASE_URL (a mirror) + '/' + file when set, else the manifest's. */
export function modelUrl(entry: ModelEntry, base = process.env.ALPR_MODELS_BASE_URL): string {
  if (!entry.url) throw new Error(`model ${entry.id} (${entry.file}) ships with PlateDesk and has no download URL`)
  if (!base) return entry.url
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(entry.file)}`
}

/**
 * Downloads a model into dir: streams to <file>.part, checks the sha256, then renames atomically, so a
 * crash or a bad download never leaves a file that looks like a model. Follows up to 5 redirects.
 */
export async function downloadModel(
  entry: ModelEntry,
  dir: string,
  onProgress?: (p: DownloadProgress) => void,
  opts: { url?: string; signal?: AbortSignal } = {}
): Promise<string> {
  await mkdir(dir, { recursive: true })
  const final = join(dir, entry.file)
  const part = `${final}.part`
  const url = opts.url ?? modelUrl(entry)
  try {
    const hash = createHash('sha256')
    let bytes = 0
    await new Promise<void>((res, rej) => {
      const get = (u: string, hops: number): void => {
        const mod = u.startsWith('https:') ? https : u.startsWith('http:') ? http : null
        if (!mod) return rej(new Error(`download ${entry.file}: unsupported URL ${u}`))
        const req = mod.get(u, { signal: opts.signal, headers: { 'user-agent': 'PlateDesk' } }, (resp) => {
          const code = resp.statusCode ?? 0
          if (code >= 300 && code < 400 && resp.headers.location) {
            resp.resume()
            if (hops >= 5) return rej(new Error(`download ${entry.file}: too many redirects`))
            return get(new URL(resp.headers.location, u).toString(), hops + 1)
          }
          if (code !== 200) {
            resp.resume()
            return rej(new Error(`download ${entry.file} from ${u}: HTTP ${code}`))
          }
          const len = Number(resp.headers['content-length'])
          const total = Number.isFinite(len) && len > 0 ? len : null
          const out = createWriteStream(part)
          onProgress?.({ bytes: 0, total })
          resp.on('data', (c: Buffer) => {
            bytes += c.length
            hash.update(c)
            onProgress?.({ bytes, total })
          })
          resp.on('error', rej)
          out.on('error', rej)
          out.on('finish', () => res())
          resp.pipe(out)
        })
        req.on('error', (e) => rej(new Error(`download ${entry.file} from ${u}: ${e.message}`)))
      }
      get(url, 0)
    })
    const sum = hash.digest('hex')
    if (sum !== entry.sha256 || bytes !== entry.size) {
      throw new Error(
        `download ${entry.file} from ${url}: checksum mismatch (got sha256 ${sum}, ${bytes} bytes; ` +
          `expected ${entry.sha256}, ${entry.size} bytes); the file was discarded`
      )
    }
    await rename(part, final)
    return final
  } catch (err) {
    await rm(part, { force: true })
    throw err
  }
}
