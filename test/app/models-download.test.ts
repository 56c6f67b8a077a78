// First run without models: 'models.download' fetches them from a local HTTP server (ALPR_MODELS_BASE_URL)
// into an EMPTY models dir, with 'models.progress' events, and the engine then starts on them (an import
// that failed for want of models resumes and reads plates). A server sending wrong bytes, or none at all,
// gives an error naming the file and the cause and leaves no file behind.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Events } from '../../src/shared/api'
import type { ImportProgress, ModelDownloadProgress } from '../../src/shared/types'
import { createBackend, type Backend } from '../../src/main/services/app'
import { createModelsService } from '../../src/main/services/models'
import { getModel, loadManifest, type ModelEntry } from '../../src/main/engine/models'
import { SHARED_DIR, fixturesDir, skipReason, FIXTURES_SKIP_REASON } from '../helpers/models'

const SOURCE = process.env.ALPR_MODELS_DIR ?? join(SHARED_DIR, 'models')
const manifest = loadManifest()
/** models committed in the repository's models/ folder: found without a download */
const bundled = new Set(manifest.models.filter((m) => m.bundled).map((m) => m.id))

/** What a download without ids fetches: the manifest's defaults and the models the settings select. */
async function neededModels(backend: Backend): Promise<ModelEntry[]> {
  const s = await backend.call('settings.get', {})
  const ids = new Set([s.detectorId, ...s.recognizerId.split('+')].filter(Boolean).map((id) => getModel(id).id))
  // the default detector ships in models/ (bundled): nothing to download for it
  return manifest.models.filter((m) => !m.bundled && (m.default || ids.has(m.id)))
}
const haveModels = manifest.models.every((m) => m.bundled || existsSync(join(SOURCE, m.file)))
const fixtures = fixturesDir()
const skip = skipReason(!haveModels && `models not found in ${SOURCE} (set ALPR_MODELS_DIR or provide ../shared/models)`, !fixtures && FIXTURES_SKIP_REASON)

/** Serves copies of the model files; `corrupt` flips one byte in the middle of every file (same size). */
async function modelServer(dir: string, corrupt: boolean): Promise<{ url: string; server: Server; requests: string[] }> {
  mkdirSync(dir, { recursive: true })
  const files = new Map<string, Buffer>()
  for (const m of manifest.models.filter((e) => !e.bundled)) {
    copyFileSync(join(SOURCE, m.file), join(dir, m.file))
    const buf = readFileSync(join(dir, m.file))
    if (corrupt) buf[buf.length >> 1] ^= 0xff
    files.set(`/${m.file}`, buf)
  }
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const body = files.get(req.url ?? '')
    if (!body) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
    // in 64 KiB pieces with a pause every 512 KiB, so the client sees the bytes arrive over time
    let off = 0
    const next = (): void => {
      while (off < body.length) {
        const piece = body.subarray(off, off + 65536)
        off += piece.length
        const ok = res.write(piece)
        if (off % (512 * 1024) === 0) return void setTimeout(next, 20)
        if (!ok) return void res.once('drain', next)
      }
      res.end()
    }
    next()
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests }
}

/** Collects 'models.progress' until every file of the job has ended (done or error). */
function jobEvents(backend: Backend, files: number, timeoutMs = 60_000): { events: ModelDownloadProgress[]; ended: Promise<ModelDownloadProgress[]> } {
  const events: ModelDownloadProgress[] = []
  let off = (): void => undefined
  const ended = new Promise<ModelDownloadProgress[]>((ok, fail) => {
    const timer = setTimeout(() => {
      off()
      fail(new Error(`download did not end in ${timeoutMs} ms: ${JSON.stringify(events.slice(-3))}`))
    }, timeoutMs)
    off = backend.subscribe((event, payload) => {
      if (event !== 'models.progress') return
      events.push(payload as Events['models.progress'])
      if (events.filter((e) => e.state === 'done' || e.state === 'error').length === files) {
        clearTimeout(timer)
        off()
        ok(events)
      }
    })
  })
  return { events, ended }
}

function waitImport(backend: Backend, jobId: number, states: ImportProgress['state'][]): Promise<ImportProgress> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`import ${jobId} did not reach ${states.join('/')} in 60 s`)), 60_000)
    const check = (p: ImportProgress | null): boolean => {
      if (p && p.jobId === jobId && states.includes(p.state)) {
        clearTimeout(timer)
        off()
        ok(p)
        return true
      }
      return false
    }
    const off = backend.subscribe((event, payload) => {
      if (event === 'import.progress') check(payload as ImportProgress)
    })
    void backend.call('import.status', {}).then(check)
  })
}

describe.skipIf(skip)('models.download', () => {
  let root: string
  const saved = { dir: process.env.ALPR_MODELS_DIR, base: process.env.ALPR_MODELS_BASE_URL, xdg: process.env.XDG_CONFIG_HOME }
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'platedesk-models-dl-'))
    // nothing may find the real models: user-data and config dirs in temp too
    process.env.XDG_CONFIG_HOME = join(root, 'config')
  })
  afterAll(() => {
    for (const [k, v] of [['ALPR_MODELS_DIR', saved.dir], ['ALPR_MODELS_BASE_URL', saved.base], ['XDG_CONFIG_HOME', saved.xdg]] as const) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    rmSync(root, { recursive: true, force: true })
  })

  async function emptyBackend(name: string): Promise<{ backend: Backend; modelsDir: string }> {
    const modelsDir = join(root, name, 'models')
    mkdirSync(modelsDir, { recursive: true })
    process.env.ALPR_MODELS_DIR = modelsDir
    const backend = await createBackend({ dbPath: join(root, name, 'library.db'), mode: 'web', userDataDir: join(root, name, 'userdata') })
    return { backend, modelsDir }
  }

  it('downloads the missing default and selected models into an empty dir with progress; the engine then starts on them', async () => {
    const srv = await modelServer(join(root, 'srv-good'), false)
    process.env.ALPR_MODELS_BASE_URL = srv.url
    const { backend, modelsDir } = await emptyBackend('good')
    try {
      const before = await backend.call('models.status', {})
      // bundled models (committed in models/) are always there; every other one is missing
      expect(before.every((m) => m.state === (bundled.has(m.id) ? 'ok' : 'missing'))).toBe(true)
      expect(before.find((m) => m.default)?.size).toBeGreaterThan(1_000_000)
      const info0 = await backend.call('app.info', {})
      expect(info0.engine.ready).toBe(false)
      expect(info0.engine.models.filter((m) => m.state === 'missing').length).toBe(manifest.models.length - bundled.size)

      // an import before the download stops because the engine cannot start, and says why
      const image = join(fixtures!, 'images', 'dayride_type1_001_t1094.jpg')
      const { jobId: importId } = await backend.call('library.import', { paths: [image] })
      await waitImport(backend, importId, ['error'])
      expect((await backend.call('app.info', {})).engine.error).toMatch(/yolo-v9-t-416-license-plates-end2end1\.onnx|cct_xs_v2_global\.onnx/)

      const changed: string[] = []
      const offChanged = backend.subscribe((e, p) => e === 'library.changed' && changed.push((p as Events['library.changed']).reason))
      const NEEDED = await neededModels(backend)
      expect(NEEDED.length).toBeGreaterThanOrEqual(2) // the two recognizers of the default chain at least
      const { events, ended } = jobEvents(backend, NEEDED.length)
      const job = await backend.call('models.download', {})
      expect(job.models.map((m) => m.id)).toEqual(NEEDED.map((m) => m.id))
      // a second click while it runs joins the same job
      expect((await backend.call('models.download', {})).jobId).toBe(job.jobId)
      await ended
      offChanged()

      for (const m of NEEDED) {
        const mine = events.filter((e) => e.modelId === m.id)
        expect(mine.every((e) => e.jobId === job.jobId && e.file === m.file)).toBe(true)
        expect(mine[0]).toMatchObject({ state: 'downloading', bytes: 0, total: m.size })
        expect(mine.at(-1)).toMatchObject({ state: 'done', bytes: m.size, total: m.size, error: null })
        expect(mine.some((e) => e.state === 'verifying' && e.bytes === m.size)).toBe(true)
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.bytes).toBeGreaterThanOrEqual(mine[i - 1]!.bytes)
      }
      // each file fetched once from the override URL, saved whole into the (formerly empty) models dir
      expect(srv.requests.sort()).toEqual(NEEDED.map((m) => `/${m.file}`).sort())
      expect(readdirSync(modelsDir).sort()).toEqual(NEEDED.map((m) => m.file).sort())
      expect(changed).toContain('settings')

      const after = await backend.call('models.status', {})
      for (const m of NEEDED) expect(after.find((s) => s.id === m.id)).toMatchObject({ state: 'ok', path: join(modelsDir, m.file) })
      const info = await backend.call('app.info', {})
      expect(info.engine.error).toBeNull()

      // nothing left to fetch: an empty job
      expect((await backend.call('models.download', {})).models).toEqual([])

      // the failed import resumes and reads the plates with the downloaded models
      await backend.call('import.resume', { jobId: importId })
      const done = await waitImport(backend, importId, ['done'])
      expect(done.filesFailed).toBe(0)
      const plates = await backend.call('plates.list', { filter: { state: 'all' } })
      const texts = plates.items.map((p) => p.text)
      expect(texts).toContain('SB90TZI')

      // a damaged model (e.g. a disk error) shows as corrupt and a download without ids replaces just that one
      const victim = NEEDED[0]!
      writeFileSync(join(modelsDir, victim.file), 'not a model')
      expect((await backend.call('models.status', {})).find((m) => m.id === victim.id)?.state).toBe('corrupt')
      const again = jobEvents(backend, 1)
      expect((await backend.call('models.download', {})).models.map((m) => m.id)).toEqual([victim.id])
      expect((await again.ended).at(-1)).toMatchObject({ modelId: victim.id, state: 'done' })
      expect((await backend.call('models.status', {})).find((m) => m.id === victim.id)?.state).toBe('ok')
    } finally {
      await backend.close()
      srv.server.close()
    }
  }, 120_000)

  it('a wrong checksum or an unreachable host is an error naming the file and the cause, and leaves no file', async () => {
    const srv = await modelServer(join(root, 'srv-bad'), true)
    process.env.ALPR_MODELS_BASE_URL = srv.url
    const { backend, modelsDir } = await emptyBackend('bad')
    try {
      const v1 = manifest.models.find((m) => m.id === 'cct-xs-v1-global')!
      let { events, ended } = jobEvents(backend, 1)
      const job = await backend.call('models.download', { ids: [v1.id] })
      expect(job.models).toEqual([{ id: v1.id, file: v1.file, size: v1.size }])
      await ended
      const last = events.at(-1)!
      expect(last.state).toBe('error')
      expect(last.file).toBe(v1.file)
      expect(last.error).toContain(v1.file)
      expect(last.error).toMatch(/checksum mismatch/)
      expect(readdirSync(modelsDir)).toEqual([])
      expect((await backend.call('models.status', {})).find((m) => m.id === v1.id)?.state).toBe('missing')

      // nothing listens on port 1
      process.env.ALPR_MODELS_BASE_URL = 'http://127.0.0.1:1'
      ;({ events, ended } = jobEvents(backend, 1))
      await backend.call('models.download', { ids: [v1.id] })
      await ended
      expect(events.at(-1)).toMatchObject({ state: 'error', file: v1.file })
      expect(events.at(-1)!.error).toMatch(/cct_xs_v1_global\.onnx.*ECONNREFUSED.*cannot be reached/)
      expect(readdirSync(modelsDir)).toEqual([])

      // an unknown id is refused up front
      await expect(backend.call('models.download', { ids: ['no-such-model'] })).rejects.toMatchObject({ code: 'invalid-request' })
    } finally {
      await backend.close()
      srv.server.close()
    }
  }, 60_000)

  it('a server that stops sending fails the file as stalled instead of hanging, and leaves no .part', async () => {
    const v1 = manifest.models.find((m) => m.id === 'cct-xs-v1-global')!
    const sockets = new Set<import('node:net').Socket>()
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': v1.size })
      res.write(Buffer.alloc(100_000)) // then nothing more
    })
    server.on('connection', (c) => sockets.add(c))
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
    process.env.ALPR_MODELS_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const dir = join(root, 'stall', 'models')
    mkdirSync(dir, { recursive: true })
    const events: ModelDownloadProgress[] = []
    let installed = 0
    const svc = createModelsService({
      modelsDir: dir,
      emit: (event, payload) => event === 'models.progress' && events.push(payload as ModelDownloadProgress),
      selectedIds: async () => [],
      onInstalled: async () => void installed++,
      stallMs: 300
    })
    try {
      await svc.download({ ids: [v1.id] })
      await svc.idle()
      expect(events.some((e) => e.state === 'downloading' && e.bytes === 100_000)).toBe(true)
      expect(events.at(-1)).toMatchObject({ state: 'error', file: v1.file, bytes: 100_000 })
      expect(events.at(-1)!.error).toMatch(/cct_xs_v1_global\.onnx.*stalled/)
      expect(readdirSync(dir)).toEqual([])
      expect(installed).toBe(0)
    } finally {
      await svc.dispose()
      for (const c of sockets) c.destroy()
      server.close()
    }
  }, 30_000)
})
