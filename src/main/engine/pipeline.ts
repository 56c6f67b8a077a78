// The single-thread recognition pipeline: decode → detect → crop → recognise. One instance per
// worker thread (pool.ts); also usable directly (tests, one-off scripts) without any threads.
import * as ort from 'onnxruntime-node'
import type { Detection, ExecutionProvider, ImageRecognition, PlateRead, RecognizedPlate } from '../../shared/types'
import { decodeImageBuffer, decodeImageFile, type DecodedImage } from '../media/images'
import { readFile } from 'node:fs/promises'
import { DEFAULT_DETECTION_THRESHOLD, Detector, type VariantFactory } from './detector'
import { rectangularModel } from './rect-model'
import { tuneMalloc } from './malloc'
import { getModel, resolveModelPath, useUserDataDir, type ModelEntry } from './models'
import { averageSlots, decodeSlots, Recognizer, type SlotProbs } from './recognizer'
import { layoutRead, readUnits } from './layout'
import type { RawImage, RecognizeOptions } from './types'
import type { RgbImage } from './preprocess'
import { applyRule, pickRule, type RuleOptions } from './country-rules'
import { compileRule, type RuleFile } from '../../shared/country-rules'
import { profileOfRecognizer } from '../../shared/profiles'

export interface PipelineOptions {
  modelsDir?: string
  userDataDir?: string
  detectorId?: string
  /**
   * One recognizer id, or several ('a+b' or an array): the first reads every crop, the others also read
   * the crops the first is unsure of (confidence < ensembleBelow) and their slot probabilities are
   * averaged. Default: DEFAULT_RECOGNIZERS when all are installed, else the manifest's default.
   */
  recognizerId?: string | string[]
  /** run the extra recognizers only below this primary confidence; 1.01 = always (default 0.9) */
  ensembleBelow?: number
  provider?: ExecutionProvider
  /** intra-op threads per ONNX session; 1 in workers (parallelism comes from the pool) */
  threads?: number
  detectionThreshold?: number
  topN?: number
  /** OCR crop padding, fractions of the box size */
  padX?: number
  padY?: number
  /** bound on the decoded working image's longest side */
  maxSide?: number
  /**
   * rectangular detector input (e.g. 416x256 for 16:9 instead of 416x416 with grey bars): same weights,
   * ~40% less detector time; see rect-model.ts. Default true.
   */
  rectDetector?: boolean
  /** false: no detector is loaded; every request must then be a plate crop ({ crop: true }) */
  detector?: boolean
  /** country rules (plain JSON, so they cross into worker threads); absent or empty = no re-ranking */
  countryRules?: CountryRulesOptions
}

export interface CountryRulesOptions {
  /** validated rule files by id (services/rules.ts loads them) */
  files: { id: string; file: RuleFile }[]
  defaultCountry?: string | null
  minRatio?: number
  regionMin?: number
}

/** Compiles the rule files of the options (each was validated when loaded: a bad one is skipped here). */
export function ruleOptions(o: CountryRulesOptions | undefined): RuleOptions | null {
  if (!o?.files.length) return null
  const rules = o.files.flatMap((f) => compileRule(f.id, f.file).rule ?? [])
  return { rules, defaultCountry: o.defaultCountry, minRatio: o.minRatio, regionMin: o.regionMin }
}

/**
 * v2 first (it also gives the region), v1 only for the crops v2 is unsure of, their slot
 * probabilities averaged. Why: with the square detector and tighter crops, v2 alone read 21 of the 23
 * clear fixture plates, v1 22, the cascade 23; with the final defaults (rect detector, pad 0.07/0.16)
 * all three read 23/23, but on 300 degraded synthetic plates the cascade still reads 167 vs v2's 161.
 * v2 is > 0.9 sure of about 2/3 of real crops, so the cascade costs ~1 extra OCR run per 3 crops
 * (~1.5 ms CPU per 720p frame). Measure: test/engine/measure-accuracy.ts.
 */
export const DEFAULT_RECOGNIZERS = ['cct-xs-v2-global', 'cct-xs-v1-global']
export const DEFAULT_ENSEMBLE_BELOW = 0.9

const ORT_PROVIDER: Record<ExecutionProvider, string> = { cpu: 'cpu', cuda: 'cuda', dml: 'dml', coreml: 'coreml' }

export interface SessionResult {
  session: ort.InferenceSession
  provider: ExecutionProvider
  /** set when the requested provider failed and the CPU was used instead */
  warning: string | null
}

// ORT's native logger writes to stderr out of band (e.g. a loader error for a missing GPU runtime);
// every failure that matters also comes back as an exception, which we report in our own words.
// The env level only takes effect before the process's first session, hence at module load.
ort.env.logLevel = 'fatal'

const failedProviders = new Map<ExecutionProvider, string>()

/** create() has separate overloads for a path and for model bytes */
const open = (model: string | Uint8Array, o: ort.InferenceSession.SessionOptions) =>
  typeof model === 'string' ? ort.InferenceSession.create(model, o) : ort.InferenceSession.create(model, o)

/** Creates a session on the requested provider; falls back to the CPU (with a warning) when it fails. */
export async function createSession(
  path: string | Uint8Array,
  provider: ExecutionProvider = 'cpu',
  threads?: number
): Promise<SessionResult> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    // ORT's own warnings (e.g. unused initialisers) are noise on every start-up
    logSeverityLevel: 3
  }
  if (provider !== 'cpu') {
    const known = failedProviders.get(provider)
    if (known) return { session: await open(path, { ...base, executionProviders: ['cpu'] }), provider: 'cpu', warning: known }
    try {
      const session = await open(path, { ...base, logSeverityLevel: 4, executionProviders: [ORT_PROVIDER[provider], 'cpu'] })
      return { session, provider, warning: null }
    } catch (err) {
      const msg = ((err as Error).message ?? String(err)).split('\n')[0]!.slice(0, 300)
      const warning = `execution provider "${provider}" is not available (${msg}); using the CPU instead`
      failedProviders.set(provider, warning) // the detector failed: don't retry for each recognizer
      const session = await open(path, { ...base, executionProviders: ['cpu'] })
      return { session, provider: 'cpu', warning }
    }
  }
  return { session: await open(path, { ...base, executionProviders: ['cpu'] }), provider, warning: null }
}


/** The recognizer ids of a request or setting: 'a+b' or an array, each looked up in the manifest. */
function recognizerIds(id: string | string[] | undefined): string[] | undefined {
  const ids = Array.isArray(id) ? id : id?.split('+').filter(Boolean)
  return ids?.length ? ids : undefined
}

/**
 * Resolves, verifies and opens a recognizer chain. Only fixed-slot models with one alphabet can be
 * chained (their slot probabilities are averaged); a CTC model reads alone.
 */
async function openRecognizers(
  ids: string[] | undefined,
  where: { modelsDir?: string; userDataDir?: string },
  provider: ExecutionProvider,
  threads: number | undefined
): Promise<{ recognizers: Recognizer[]; warning: string | null }> {
  const recs: { entry: ModelEntry; path: string }[] = []
  if (ids) {
    for (const id of ids) recs.push(await resolveModelPath('recognizer', id, where))
  } else {
    // the ensemble when every model of it is installed, else the manifest default alone
    try {
      for (const id of DEFAULT_RECOGNIZERS) recs.push(await resolveModelPath('recognizer', id, where))
    } catch {
      recs.length = 0
      recs.push(await resolveModelPath('recognizer', undefined, where))
    }
  }
  if (recs.length > 1) {
    const ctc = recs.find((r) => r.entry.output.layout === 'ctc')
    if (ctc) throw new Error(`recognizer ${ctc.entry.id} is a CTC model and cannot be combined with others ('${recs.map((r) => r.entry.id).join('+')}')`)
    const a = recs[0]!.entry.alphabet
    const odd = recs.find((r) => r.entry.alphabet !== a)
    if (odd) throw new Error(`recognizers ${recs[0]!.entry.id} and ${odd.entry.id} have different alphabets and cannot be combined`)
  }
  const sessions = await Promise.all(recs.map((r) => createSession(r.path, provider, threads)))
  return {
    recognizers: sessions.map((s, i) => new Recognizer(ort, s.session, recs[i]!.entry)),
    warning: sessions.map((s) => s.warning).find((w) => w) ?? null
  }
}

/** What a request brings: a file, encoded bytes already in memory, or raw RGB pixels (a video frame). */
export type DecodeInput =
  | { kind: 'file'; path: string }
  | { kind: 'bytes'; data: Uint8Array; name: string }
  | { kind: 'raw'; image: RawImage }

export class Pipeline {
  /** recognizer chains opened on request (a per-import profile), by chain id */
  private readonly chains = new Map<string, Promise<Recognizer[]>>()
  private readonly rules: RuleOptions | null

  private constructor(
    readonly detector: Detector | null,
    readonly recognizers: Recognizer[],
    readonly provider: ExecutionProvider,
    readonly warning: string | null,
    private readonly opts: PipelineOptions
  ) {
    this.rules = ruleOptions(opts.countryRules)
  }

  static async create(opts: PipelineOptions = {}): Promise<Pipeline> {
    tuneMalloc() // frames and tensors reuse heap pages instead of faulting in fresh ones (malloc.ts)
    if (opts.userDataDir) useUserDataDir(opts.userDataDir) // a worker thread: the user's models are listed there
    const where = { modelsDir: opts.modelsDir, userDataDir: opts.userDataDir }
    const det = opts.detector === false ? null : await resolveModelPath('detector', opts.detectorId, where)
    const ids = recognizerIds(opts.recognizerId)
    // resolve (and verify) the recognizers before opening anything, so a missing model fails fast
    let provider = opts.provider ?? 'cpu'
    let detector: Detector | null = null
    let detWarning: string | null = null
    if (det) {
      const model = await readFile(det.path)
      const d = await createSession(model, provider, opts.threads)
      provider = d.provider
      detWarning = d.warning
      let variants: VariantFactory | null = null
      // rectangular rewrite only for the built-in graph it was written for; a model you bring runs as exported
      if (opts.rectDetector !== false && !det.entry.user) {
        variants = async (h, w) => {
          const rect = rectangularModel(model, h, w, det.entry.input.width)
          return rect ? (await createSession(rect, d.provider, opts.threads)).session : null
        }
      }
      detector = new Detector(ort, d.session, det.entry, variants)
    }
    let recs: Awaited<ReturnType<typeof openRecognizers>>
    try {
      recs = await openRecognizers(ids, where, provider, opts.threads)
    } catch (err) {
      await detector?.close()
      throw err
    }
    return new Pipeline(detector, recs.recognizers, provider, detWarning ?? recs.warning, opts)
  }

  get detectorId(): string {
    return this.detector?.entry.id ?? 'crop'
  }

  /** The chain a request asks for (opened once, then kept), else the pipeline's own. */
  async recognizersFor(id?: string): Promise<Recognizer[]> {
    const ids = recognizerIds(id)
    if (!ids) return this.recognizers
    const key = ids.map((i) => getModel(i).id).join('+')
    if (key === this.recognizerId) return this.recognizers
    let chain = this.chains.get(key)
    if (!chain) {
      const where = { modelsDir: this.opts.modelsDir, userDataDir: this.opts.userDataDir }
      chain = openRecognizers(ids, where, this.provider, this.opts.threads).then((r) => r.recognizers)
      this.chains.set(key, chain)
      chain.catch(() => this.chains.delete(key)) // a missing model may be installed later
    }
    return chain
  }

  get recognizerId(): string {
    return this.recognizers.map((r) => r.entry.id).join('+')
  }

  async recognizeFile(path: string, ro: RecognizeOptions = {}): Promise<ImageRecognition> {
    const d = await this.decode({ kind: 'file', path })
    return this.recognizeDecoded(d.img, d.decodeMs, d.t0, ro)
  }

  /** an encoded image already in memory (an import read it once for its hash): no file access here */
  async recognizeBytes(bytes: Uint8Array, name: string, ro: RecognizeOptions = {}): Promise<ImageRecognition> {
    const d = await this.decode({ kind: 'bytes', data: bytes, name })
    return this.recognizeDecoded(d.img, d.decodeMs, d.t0, ro)
  }

  async recognizeRaw(image: RawImage, ro: RecognizeOptions = {}): Promise<ImageRecognition> {
    const d = await this.decode({ kind: 'raw', image })
    return this.recognizeDecoded(d.img, d.decodeMs, d.t0, ro)
  }

  /**
   * The decode half of recognizeFile / recognizeBytes / recognizeRaw, on its own so that a worker can
   * decode the next image (libvips, on libuv's threads) while the current one is in the detector.
   */
  async decode(input: DecodeInput): Promise<{ img: DecodedImage; decodeMs: number; t0: number }> {
    const t0 = performance.now()
    if (input.kind === 'raw') {
      const image = input.image
      if (image.data.length < image.width * image.height * 3) {
        throw new Error(`raw frame: ${image.data.length} bytes is too short for ${image.width}x${image.height} RGB`)
      }
      const img = { data: image.data as Buffer, width: image.width, height: image.height, origWidth: image.width, origHeight: image.height, scale: 1, format: 'raw' }
      return { img, decodeMs: 0, t0 }
    }
    let img: DecodedImage
    if (input.kind === 'file') img = await decodeImageFile(input.path, { maxSide: this.opts.maxSide })
    else {
      const b = input.data
      img = await decodeImageBuffer(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength), input.name, { maxSide: this.opts.maxSide })
    }
    return { img, decodeMs: performance.now() - t0, t0 }
  }

  /**
   * Detect + OCR on a decoded image; boxes come back in original pixels. With { crop: true } the whole
   * image is the plate (a folder of plate crops): no detection, one plate whose box is the image.
   */
  async recognizeDecoded(img: DecodedImage, decodeMs: number, t0 = performance.now(), ro: RecognizeOptions = {}): Promise<ImageRecognition> {
    const recognizers = await this.recognizersFor(ro.recognizerId)
    const t1 = performance.now()
    let dets: Awaited<ReturnType<Detector['detect']>>
    if (ro.crop) dets = [{ box: { x1: 0, y1: 0, x2: img.width, y2: img.height }, score: 1, classId: 0 }]
    else if (this.detector) dets = await this.detector.detect(img, { threshold: this.opts.detectionThreshold ?? DEFAULT_DETECTION_THRESHOLD })
    else throw new Error('this engine reads plate crops only (started without a detector): ask for { crop: true }')
    const t2 = performance.now()
    const plates: RecognizedPlate[] = []
    if (dets.length) {
      const reads = await this.read(img, dets, recognizers, !!ro.crop)
      const s = img.scale
      dets.forEach((d, i) => {
        plates.push({
          detection: {
            ...d,
            box: { x1: d.box.x1 / s, y1: d.box.y1 / s, x2: d.box.x2 / s, y2: d.box.y2 / s },
            ...(d.corners ? { corners: d.corners.map(([x, y]) => [x / s, y / s]) as typeof d.corners } : {})
          },
          read: reads[i]!
        })
      })
    }
    const t3 = performance.now()
    return {
      width: img.origWidth,
      height: img.origHeight,
      plates,
      timings: { decodeMs, detectMs: t2 - t1, ocrMs: t3 - t2, totalMs: t3 - t0 }
    }
  }

  /**
   * OCR of detections given in `img` pixels, one read (or null) per detection, by `recognizers` (default:
   * the pipeline's own chain). Crops are taken from the working image (full resolution for anything up to
   * maxSide); `crop`: the boxes are whole plate crops, read without padding. A detection with corners is
   * read from its rectified plate, a two-row one also row by row to place the row break (layout.ts).
   */
  async read(
    img: RgbImage,
    dets: Pick<Detection, 'box' | 'corners' | 'rows'>[],
    recognizers: Recognizer[] = this.recognizers,
    crop = false
  ): Promise<(PlateRead | null)[]> {
    if (dets.length === 0) return []
    const ropts = crop ? { padX: 0, padY: 0 } : { padX: this.opts.padX, padY: this.opts.padY }
    const units = readUnits(img, dets)
    const n = units.length
    const rec0 = recognizers[0]!
    const parts = units.map((u) => rec0.prepare(u.img, [u.box], u.pad ? ropts : { padX: 0, padY: 0 }))
    const batch = new Uint8Array(parts.reduce((k, p) => k + p.length, 0))
    parts.reduce((o, p) => (batch.set(p, o), o + p.length), 0)
    const topN = this.opts.topN ?? 10
    const chainId = recognizers.map((r) => r.entry.id).join('+')
    const profile = profileOfRecognizer(chainId)?.id
    // the country rule of each whole-plate read (row reads are partial plates: no rule fits them)
    const ruled = (read: PlateRead, k: number, probs: SlotProbs | null): PlateRead => {
      if (!this.rules || units[k]!.role !== 'plate') return read
      const rule = pickRule(this.rules, read.region, read.regionConfidence, profile)
      return rule ? applyRule(read, rule, probs, this.rules.minRatio) : read
    }
    let reads: PlateRead[]
    if (rec0.kind === 'ctc') reads = (await rec0.read(batch, n, topN)).map((r, k) => ruled(r, k, null))
    else {
      const probs = await rec0.runBatch(batch, n)
      if (recognizers.length > 1) {
        const below = this.opts.ensembleBelow ?? DEFAULT_ENSEMBLE_BELOW
        // an empty primary reading is almost always a false detection: not worth a second model
        const unsure = probs.flatMap((p, i) => {
          const r = decodeSlots(p, '', 0)
          return r.text && r.confidence < below ? [i] : []
        })
        if (unsure.length) {
          const per = batch.length / n
          const sub = new Uint8Array(per * unsure.length)
          unsure.forEach((i, j) => sub.set(batch.subarray(i * per, (i + 1) * per), j * per))
          for (const r of recognizers.slice(1)) {
            const more = await r.runBatch(sub, unsure.length)
            unsure.forEach((i, j) => (probs[i] = averageSlots(probs[i]!, more[j]!)))
          }
        }
      }
      reads = probs.map((p, k) => ruled(decodeSlots(p, chainId, topN), k, p))
    }
    return dets.map((_, i) => {
      const read = layoutRead(units.flatMap((u, k) => (u.det === i ? [{ role: u.role, read: reads[k]!, guess: u.guess }] : [])))
      return read.text ? read : null
    })
  }

  async close(): Promise<void> {
    const extra = (await Promise.all([...this.chains.values()].map((c) => c.catch(() => [] as Recognizer[])))).flat()
    await Promise.all([this.detector?.close(), ...[...this.recognizers, ...extra].map((r) => r.session.release())])
  }
}
