// Plate OCR. Fixed-slot models (fast-plate-ocr): every crop is stretched to 128x64 RGB uint8 (NHWC),
// each slot is a softmax over the alphabet (with a pad char for short plates). CTC models (LPRNet):
// the manifest gives the input (size, dtype, layout, channel order, mean/std) and the output layout
// (ctc.ts decodes it). All crops of one image go through one batched run.
import type * as ortTypes from 'onnxruntime-node'
import type { Box, Candidate, PlateRead } from '../../shared/types'
import { decodeCtc, toCtcProbs, type CtcProbs } from './ctc'
import type { ModelEntry } from './models'
import { cropResize, expandBox, type RgbImage } from './preprocess'

/** Slot-wise probabilities of one crop: probs[slot*alphabet.length + char]. */
export interface SlotProbs {
  probs: Float32Array
  slots: number
  alphabet: string
  padChar: string
  region: string | null
  regionConfidence: number | null
}

export interface RecognizerOptions {
  topN?: number
  /** padding added around the detector box, as a fraction of its width / height */
  padX?: number
  padY?: number
}

// The detector's boxes are tight; fast-plate-ocr's training crops include a margin. A small pad
// avoids clipping the first/last character on slightly-off boxes. Measured on the 23 clear fixture
// plates (v2→v1 cascade, end-to-end, rectangular detector at threshold 0.3): padX 0.06-0.08 with
// padY 0.12-0.20 read 23/23; 0.04/0.08, 0.05/0.10 and 0.05/0.18 read 22 (one small plate, O→C).
// 0.07/0.16 is the middle of that plateau. (Tuned on 23 plates: treat as a sensible default, not an optimum.)
export const DEFAULT_PAD_X = 0.07
export const DEFAULT_PAD_Y = 0.16

/**
 * The model's input tensor from a batch of NHWC RGB uint8 crops: as it is for uint8 NHWC models, else
 * float32 in the manifest's layout and channel order, (pixel - mean) / std.
 */
export function inputTensorData(entry: ModelEntry, batch: Uint8Array, n: number): Uint8Array | Float32Array {
  const spec = entry.input
  if (spec.dtype === 'uint8') {
    if (spec.layout !== 'NHWC' || spec.channelOrder === 'BGR') throw new Error(`recognizer ${entry.id}: uint8 input must be NHWC RGB`)
    if (spec.channels === 1) return toGray(batch)
    return batch
  }
  const w = spec.width
  const h = spec.height
  const plane = w * h
  const bgr = spec.channelOrder === 'BGR'
  const mean = spec.mean ?? [0, 0, 0]
  const std = spec.std ?? [255, 255, 255]
  const out = new Float32Array(n * plane * 3)
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const src = bgr ? 2 - c : c // tensor channel c holds source channel src
      const m = mean[c]!
      const k = 1 / std[c]!
      for (let px = 0; px < plane; px++) {
        const v = (batch[(i * plane + px) * 3 + src]! - m) * k
        if (spec.layout === 'NCHW') out[(i * 3 + c) * plane + px] = v
        else out[(i * plane + px) * 3 + c] = v
      }
    }
  }
  return out
}

/** RGB → one luma channel with OpenCV's weights (what fast-plate-ocr's grayscale models were trained on). */
export function toGray(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3)
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = Math.round(0.299 * rgb[j]! + 0.587 * rgb[j + 1]! + 0.114 * rgb[j + 2]!)
  return out
}

/** fast-plate-ocr's keep_aspect_ratio: resized to fit, centred, padded with grey 114 (its resize_image). */
function cropLetterbox(img: RgbImage, box: Box, outW: number, outH: number, out: Uint8Array, offset: number): void {
  const bw = Math.max(1, box.x2 - box.x1)
  const bh = Math.max(1, box.y2 - box.y1)
  const r = Math.min(outH / bh, outW / bw)
  const w = Math.max(1, Math.min(outW, Math.round(bw * r)))
  const h = Math.max(1, Math.min(outH, Math.round(bh * r)))
  const tmp = new Uint8Array(w * h * 3)
  cropResize(img, box, w, h, tmp, 0)
  out.fill(114, offset, offset + outW * outH * 3)
  const left = Math.round((outW - w) / 2 - 0.1)
  const top = Math.round((outH - h) / 2 - 0.1)
  for (let y = 0; y < h; y++) out.set(tmp.subarray(y * w * 3, (y + 1) * w * 3), offset + ((top + y) * outW + left) * 3)
}

export class Recognizer {
  /** how the output is decoded: fixed slots (+ region) or CTC */
  readonly kind: 'slots' | 'ctc'
  readonly width: number
  readonly height: number
  readonly slots: number
  readonly alphabet: string
  readonly padChar: string
  private readonly inputName: string
  private readonly plateOutput: string
  private readonly regionOutput: string | null

  constructor(
    private readonly ort: typeof ortTypes,
    readonly session: ortTypes.InferenceSession,
    readonly entry: ModelEntry
  ) {
    this.kind = entry.output.layout === 'ctc' ? 'ctc' : 'slots'
    this.width = entry.input.width
    this.height = entry.input.height
    this.alphabet = entry.alphabet ?? '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_'
    this.padChar = entry.padChar ?? '_'
    this.slots = entry.slots ?? 9
    this.inputName = session.inputNames[0]!
    const names = session.outputNames
    this.plateOutput = names.find((n) => n === 'plate') ?? names.find((n) => entry.output.names.includes(n)) ?? names[0]!
    this.regionOutput = names.find((n) => n === 'region') ?? null
  }

  /** Builds the NHWC uint8 batch for boxes given in `img` pixels. */
  prepare(img: RgbImage, boxes: Box[], opts: RecognizerOptions = {}): Uint8Array {
    const px = opts.padX ?? DEFAULT_PAD_X
    const py = opts.padY ?? DEFAULT_PAD_Y
    const per = this.width * this.height * 3
    const batch = new Uint8Array(per * boxes.length)
    const resize = this.entry.input.resize === 'letterbox' ? cropLetterbox : cropResize
    boxes.forEach((b, i) => resize(img, expandBox(b, px, py, img.width, img.height), this.width, this.height, batch, i * per))
    return batch
  }

  private tensor(batch: Uint8Array, n: number): ortTypes.Tensor {
    const data = inputTensorData(this.entry, batch, n)
    const c = this.entry.input.channels === 1 ? 1 : 3
    const dims = this.entry.input.layout === 'NCHW' ? [n, c, this.height, this.width] : [n, this.height, this.width, c]
    return data instanceof Float32Array ? new this.ort.Tensor('float32', data, dims) : new this.ort.Tensor('uint8', data, dims)
  }

  /** CTC models: class probabilities per time step, per crop. */
  async runCtc(batch: Uint8Array, n: number): Promise<CtcProbs[]> {
    if (n === 0) return []
    if (this.kind !== 'ctc') throw new Error(`recognizer ${this.entry.id} is not a CTC model`)
    const out = await this.session.run({ [this.inputName]: this.tensor(batch, n) })
    const t = out[this.plateOutput]!
    const axes = this.entry.output.axes ?? 'NCT'
    const classes = axes === 'NCT' ? t.dims[1]! : t.dims[2]!
    const steps = axes === 'NCT' ? t.dims[2]! : t.dims[1]!
    const alphabet = Array.from(this.entry.alphabet ?? '')
    if (classes !== alphabet.length) {
      throw new Error(`recognizer ${this.entry.id}: output has ${classes} classes, alphabet has ${alphabet.length}`)
    }
    const blank = this.entry.blank ?? classes - 1
    const data = t.data as Float32Array
    const per = classes * steps
    const res: CtcProbs[] = []
    for (let i = 0; i < n; i++) {
      res.push(toCtcProbs(data.subarray(i * per, (i + 1) * per), axes, classes, steps, alphabet, blank, this.entry.output.scores))
    }
    for (const x of Object.values(out)) x.dispose?.()
    return res
  }

  /** Reads a prepared batch, whatever the model kind. */
  async read(batch: Uint8Array, n: number, topN = 10): Promise<PlateRead[]> {
    if (this.kind === 'ctc') return (await this.runCtc(batch, n)).map((p) => decodeCtc(p, this.entry.id, topN))
    return (await this.runBatch(batch, n)).map((p) => decodeSlots(p, this.entry.id, topN))
  }

  /** Runs the model on a prepared batch; returns slot probabilities per crop. */
  async runBatch(batch: Uint8Array, n: number): Promise<SlotProbs[]> {
    if (n === 0) return []
    if (this.kind !== 'slots') throw new Error(`recognizer ${this.entry.id} is not a fixed-slot model`)
    const out = await this.session.run({ [this.inputName]: this.tensor(batch, n) })
    const plate = out[this.plateOutput]!
    // [N, slots, classes], or flat [N, slots * classes] as some fast-plate-ocr exports give it
    const slots = plate.dims.length === 2 ? this.slots : plate.dims[1]!
    const k = plate.dims.length === 2 ? plate.dims[1]! / this.slots : plate.dims[2]!
    if (k !== this.alphabet.length) {
      throw new Error(`recognizer ${this.entry.id}: output has ${k} classes, alphabet has ${this.alphabet.length}`)
    }
    const pdata = plate.data as Float32Array
    const rdata = this.regionOutput ? (out[this.regionOutput]!.data as Float32Array) : null
    const regions = this.entry.regions ?? []
    const res: SlotProbs[] = []
    for (let i = 0; i < n; i++) {
      let region: string | null = null
      let regionConfidence: number | null = null
      if (rdata && regions.length) {
        const base = i * regions.length
        let best = 0
        for (let r = 1; r < regions.length; r++) if (rdata[base + r]! > rdata[base + best]!) best = r
        region = regions[best]!
        regionConfidence = rdata[base + best]!
      }
      res.push({
        probs: pdata.slice(i * slots * k, (i + 1) * slots * k),
        slots,
        alphabet: this.alphabet,
        padChar: this.padChar,
        region,
        regionConfidence
      })
    }
    for (const t of Object.values(out)) t.dispose?.()
    return res
  }

  async recognize(img: RgbImage, boxes: Box[], opts: RecognizerOptions = {}): Promise<PlateRead[]> {
    return this.read(this.prepare(img, boxes, opts), boxes.length, opts.topN ?? 10)
  }
}

/**
 * Turns slot probabilities into a reading.
 *
 * Confidence = product of the per-slot maxima over all slots, pad slots included: the model's joint
 * probability of the whole reading, length included (a doubtful "is there a 7th character?" lowers it
 * through the pad slot). Chosen because it ranks wrong readings lowest: AUC (probability that a right
 * reading scores above a wrong one) on 300 degraded synthetic plates (test/helpers/synth.ts; 139
 * wrong): joint 0.940, mean of character maxima 0.929, product over characters only 0.927, minimum
 * 0.922. On the 30 readable fixture plates (only 2-4 wrong) the methods tie within one pair. It also
 * equals the top candidate's joint probability, so confidence and candidates[0] tell the same story.
 * Cost: long plates score a little lower (0.99 per slot over 10 slots → 0.90).
 */
export function decodeSlots(p: SlotProbs, modelId: string, topN = 10): PlateRead {
  const k = p.alphabet.length
  const padIdx = p.alphabet.indexOf(p.padChar)
  let text = ''
  const charConfidences: number[] = []
  let joint = 1
  for (let s = 0; s < p.slots; s++) {
    let best = 0
    for (let c = 1; c < k; c++) if (p.probs[s * k + c]! > p.probs[s * k + best]!) best = c
    joint *= p.probs[s * k + best]!
    if (best === padIdx) continue
    text += p.alphabet[best]
    charConfidences.push(p.probs[s * k + best]!)
  }
  const confidence = text ? joint : 0
  return {
    text,
    confidence,
    charConfidences,
    candidates: topN > 0 ? beamCandidates(p, topN) : [],
    region: p.region,
    regionConfidence: p.regionConfidence,
    modelId
  }
}

/**
 * Top-N plate strings by joint probability (product over slots), like OpenALPR's candidate list:
 * a beam over the slots keeping each slot's few most likely characters. Paths that differ only in
 * where the pad falls give the same string; their probabilities are summed (that is the string's
 * marginal probability).
 */
export function beamCandidates(p: SlotProbs, topN = 10, perSlot = 4): Candidate[] {
  const k = p.alphabet.length
  const padIdx = p.alphabet.indexOf(p.padChar)
  const beamWidth = Math.max(topN * 4, 16)
  let beam: { text: string; prob: number }[] = [{ text: '', prob: 1 }]
  for (let s = 0; s < p.slots; s++) {
    const row = p.probs.subarray(s * k, (s + 1) * k)
    const idx = Array.from({ length: k }, (_, i) => i)
      .sort((a, b) => row[b]! - row[a]!)
      .slice(0, perSlot)
    const next: { text: string; prob: number }[] = []
    for (const b of beam) {
      for (const c of idx) {
        const prob = b.prob * row[c]!
        if (prob < 1e-6) continue
        next.push({ text: c === padIdx ? b.text : b.text + p.alphabet[c], prob })
      }
    }
    next.sort((a, b) => b.prob - a.prob)
    beam = next.slice(0, beamWidth)
  }
  const merged = new Map<string, number>()
  for (const b of beam) if (b.text) merged.set(b.text, (merged.get(b.text) ?? 0) + b.prob)
  return [...merged.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([plate, confidence]) => ({ plate, confidence: Math.min(1, confidence) }))
}

/**
 * Averages the slot probabilities of two models that read the same crop (an ensemble). Both
 * fast-plate-ocr models left-align the text and pad at the end, so slot i means "character i" in
 * both; the longer model's extra slots are kept as they are.
 */
export function averageSlots(a: SlotProbs, b: SlotProbs): SlotProbs {
  if (a.alphabet !== b.alphabet) throw new Error('cannot average models with different alphabets')
  const [long, short] = a.slots >= b.slots ? [a, b] : [b, a]
  const k = a.alphabet.length
  const probs = Float32Array.from(long.probs)
  for (let i = 0; i < short.slots * k; i++) probs[i] = (probs[i]! + short.probs[i]!) / 2
  return {
    ...long,
    probs,
    region: a.region ?? b.region,
    regionConfidence: a.regionConfidence ?? b.regionConfidence
  }
}
