// The yardstick for `platedesk bench`: a plain single-process pipeline on the same model files, as a
// user of these models would write it from their READMEs (fast-alpr's recipe): sharp decodes and
// letterboxes to 416x416, the upstream int8 detector (open-image-models' release, not PlateDesk's
// re-quantised default) runs with ONNX Runtime's default session
// options on one thread, each plate is cut out and resized by sharp and read by the default
// recognizer (cct-xs-v2), one crop per run. No workers, no rewrites, no caches. It is not a product
// path; it only makes "x times faster" mean something.
import * as ort from 'onnxruntime-node'
import sharp from 'sharp'
import { readFile } from 'node:fs/promises'
import { resolveModelPath, type ModelEntry } from '../../engine/models'

export interface PlainStageCpu {
  decodeMs: number
  detectMs: number
  ocrMs: number
}

/** the upstream dynamically quantised detector: the yardstick's, and the one PlateDesk's default is re-quantised from */
export const UPSTREAM_INT8 = 'yolo-v9-t-416-end2end'

export class PlainPipeline {
  private constructor(
    private readonly det: ort.InferenceSession,
    private readonly rec: ort.InferenceSession,
    private readonly recEntry: ModelEntry,
    private readonly size: number
  ) {}

  static async create(modelsDir?: string): Promise<PlainPipeline> {
    const d = await resolveModelPath('detector', UPSTREAM_INT8, { modelsDir })
    const r = await resolveModelPath('recognizer', 'cct-xs-v2-global', { modelsDir })
    // ORT's defaults, pinned to one thread so "per core" compares like with like
    const o: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 }
    const [det, rec] = await Promise.all([ort.InferenceSession.create(d.path, o), ort.InferenceSession.create(r.path, o)])
    return new PlainPipeline(det, rec, r.entry, d.entry.input.width)
  }

  /** Reads one image; `cpu` (when given) gets the process CPU ms spent in each stage added to it. */
  async recognizeFile(path: string, cpu?: PlainStageCpu): Promise<string[]> {
    const S = this.size
    let c0 = process.cpuUsage()
    const lap = (k: keyof PlainStageCpu) => {
      if (!cpu) return
      const c = process.cpuUsage(c0)
      cpu[k] += (c.user + c.system) / 1000
      c0 = process.cpuUsage()
    }
    const buf = await readFile(path)
    const { data: rgb, info } = await sharp(buf).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true })
    lap('decodeMs')
    const r = Math.min(S / info.width, S / info.height)
    const nw = Math.round(info.width * r)
    const nh = Math.round(info.height * r)
    const padX = Math.floor((S - nw) / 2)
    const padY = Math.floor((S - nh) / 2)
    const boxed = await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } })
      .resize(nw, nh)
      .extend({ left: padX, right: S - nw - padX, top: padY, bottom: S - nh - padY, background: { r: 114, g: 114, b: 114 } })
      .raw()
      .toBuffer()
    const t = new Float32Array(3 * S * S)
    for (let i = 0; i < S * S; i++) for (let c = 0; c < 3; c++) t[c * S * S + i] = boxed[i * 3 + c]! / 255
    const out = await this.det.run({ [this.det.inputNames[0]!]: new ort.Tensor('float32', t, [1, 3, S, S]) })
    const rows = out[this.det.outputNames[0]!]!
    const d = rows.data as Float32Array
    const boxes: [number, number, number, number][] = []
    for (let k = 0; k < rows.dims[0]!; k++) {
      if (d[k * 7 + 6]! < 0.3) continue
      const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v))
      boxes.push([
        clamp((d[k * 7 + 1]! - padX) / r, info.width),
        clamp((d[k * 7 + 2]! - padY) / r, info.height),
        clamp((d[k * 7 + 3]! - padX) / r, info.width),
        clamp((d[k * 7 + 4]! - padY) / r, info.height)
      ])
    }
    lap('detectMs')
    const texts: string[] = []
    const { width: W, height: H, alphabet, padChar } = { ...this.recEntry.input, alphabet: this.recEntry.alphabet!, padChar: this.recEntry.padChar! }
    for (const [x1, y1, x2, y2] of boxes) {
      const left = Math.floor(x1)
      const top = Math.floor(y1)
      const width = Math.max(1, Math.min(info.width - left, Math.ceil(x2 - x1)))
      const height = Math.max(1, Math.min(info.height - top, Math.ceil(y2 - y1)))
      const crop = await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } })
        .extract({ left, top, width, height })
        .resize(W, H, { fit: 'fill' })
        .raw()
        .toBuffer()
      const o = await this.rec.run({ [this.rec.inputNames[0]!]: new ort.Tensor('uint8', new Uint8Array(crop), [1, H, W, 3]) })
      const p = o[this.recEntry.output.names[0]!]!.data as Float32Array
      const k = alphabet.length
      let text = ''
      for (let s = 0; s < p.length / k; s++) {
        let best = 0
        for (let c = 1; c < k; c++) if (p[s * k + c]! > p[s * k + best]!) best = c
        if (alphabet[best] !== padChar) text += alphabet[best]
      }
      texts.push(text)
    }
    lap('ocrMs')
    return texts
  }

  async close(): Promise<void> {
    await Promise.all([this.det.release(), this.rec.release()])
  }
}
