// Models you bring: `platedesk models add FILE [--config C] [--id ID]` and Settings → Models → Add.
// Three kinds, told apart by the config given with the file:
//   - a fast-plate-ocr recogniser + its plate_config.yaml (slots, alphabet, pad char, size, colour mode,
//     keep_aspect_ratio, regions; `interpolation` is read as bilinear, PlateDesk's one resize)                                      → output layout 'slots' / 'slots+region'
//   - a CTC recogniser + a JSON of manifest-entry fields (input spec, output {layout:'ctc', axes, scores},
//     alphabet, blank), as scripts that train LPRNet write next to the model → 'ctc'
//   - an Ultralytics YOLO detector exported to ONNX, no config: class names and image size come from the
//     file's metadata (names, imgsz), else from the input shape     → raw head [1, 4+classes, N], NMS in code
// Every file is checked before anything is copied: it must parse as ONNX, its input must match what the
// config says, and one test inference must give outputs of the shape the config implies. Then the file
// is copied into the user-data models folder as <id>.onnx and listed in that folder's manifest.json
// (same entry format as models/manifest.json, plus "user": true), written atomically.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, extname, join, resolve } from 'node:path'
import type * as Ort from 'onnxruntime-node'
import { load as loadYaml } from 'js-yaml'
import {
  builtinModelIds,
  loadUserManifest,
  userManifestPath,
  userModelsDir,
  type ModelEntry,
  type ModelInputSpec,
  type ModelOutputSpec
} from './models'
import { ONNX_TYPES, parseImgsz, parseUltralyticsNames, readOnnxInfo, type OnnxInfo, type OnnxTensorInfo } from './onnx-info'

export type UserModelKind = 'fast-plate-ocr' | 'ctc' | 'yolo'

/** A model file (or its config) that cannot be used; the message names the file and the cause. */
export class ModelFileError extends Error {
  readonly code = 'invalid-request'
  constructor(message: string) {
    super(message)
    this.name = 'ModelFileError'
  }
}

export interface AddModelOptions {
  /** fast-plate-ocr: plate_config.yaml; CTC: a JSON of manifest-entry fields; YOLO: none */
  config?: string
  /** default: the file name without .onnx, lower case */
  id?: string
  /** Electron's userData dir; default: the platform's (see models.ts) */
  userDataDir?: string
}

export interface CheckedModel {
  kind: UserModelKind
  entry: ModelEntry
  bytes: Buffer
}

// ONNX Runtime only when a model is checked: every CLI command and the backend import this file
let ortModule: Promise<typeof Ort> | null = null
const loadOrt = (): Promise<typeof Ort> => (ortModule ??= import('onnxruntime-node'))

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

const fail = (msg: string): never => {
  throw new ModelFileError(msg)
}

const dimsText = (d: readonly (number | string)[]): string => `[${d.join(', ')}]`

/** The id a file gets when none is given: its name, lower case, other characters as '-'. */
export function defaultModelId(file: string): string {
  return basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 100)
}

function checkId(id: string, userDataDir: string | undefined): void {
  if (!ID_RE.test(id)) fail(`model id "${id}" is not valid: letters, digits, '.', '_' and '-' only, starting with a letter or digit (give one with --id)`)
  if (builtinModelIds().has(id)) fail(`model id "${id}" is a model that ships with PlateDesk: choose another id (--id)`)
  if (loadUserManifest(userDataDir).models.some((m) => m.id === id)) {
    fail(`model id "${id}" is already one of your models: remove it first (platedesk models remove ${id}) or choose another id (--id)`)
  }
}

// ---------------------------------------------------------------- configs

/** plate_config.yaml as fast-plate-ocr writes it (PlateOCRConfig). */
interface PlateConfig {
  max_plate_slots: number
  alphabet: string
  pad_char: string
  img_height: number
  img_width: number
  keep_aspect_ratio?: boolean
  image_color_mode?: 'rgb' | 'grayscale'
  plate_regions?: string[]
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    return fail(`${path}: cannot read the ${what} (${e.code === 'ENOENT' ? 'no such file' : e.message})`)
  }
}

export async function readPlateConfig(path: string): Promise<PlateConfig> {
  let doc: unknown
  try {
    doc = loadYaml(await readText(path, 'plate config'), { filename: path })
  } catch (err) {
    if (err instanceof ModelFileError) throw err
    fail(`${path}: not valid YAML (${(err as Error).message.split('\n')[0]})`)
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return fail(`${path}: not a fast-plate-ocr plate config (expected keys such as max_plate_slots, alphabet)`)
  const c = doc as Record<string, unknown>
  const posInt = (k: string): number => {
    const v = c[k]
    if (!Number.isInteger(v) || (v as number) < 1) fail(`${path}: ${k} must be a whole number >= 1, got ${JSON.stringify(v)}`)
    return v as number
  }
  const slots = posInt('max_plate_slots')
  const h = posInt('img_height')
  const w = posInt('img_width')
  if (typeof c.alphabet !== 'string' || !c.alphabet.length) fail(`${path}: alphabet must be a non-empty string`)
  const alphabet = c.alphabet as string
  if (new Set(alphabet).size !== alphabet.length) fail(`${path}: alphabet repeats a character`)
  if (typeof c.pad_char !== 'string' || [...c.pad_char].length !== 1) fail(`${path}: pad_char must be one character`)
  if (!alphabet.includes(c.pad_char as string)) fail(`${path}: pad_char "${c.pad_char}" is not in the alphabet`)
  const mode = c.image_color_mode ?? 'grayscale' // fast-plate-ocr's default
  if (mode !== 'rgb' && mode !== 'grayscale') fail(`${path}: image_color_mode must be rgb or grayscale, got ${JSON.stringify(mode)}`)
  if (c.keep_aspect_ratio !== undefined && typeof c.keep_aspect_ratio !== 'boolean') fail(`${path}: keep_aspect_ratio must be true or false`)
  const regions = c.plate_regions
  if (regions !== undefined && (!Array.isArray(regions) || regions.some((r) => typeof r !== 'string'))) fail(`${path}: plate_regions must be a list of names`)
  return {
    max_plate_slots: slots,
    alphabet,
    pad_char: c.pad_char as string,
    img_height: h,
    img_width: w,
    keep_aspect_ratio: c.keep_aspect_ratio as boolean | undefined,
    image_color_mode: mode as 'rgb' | 'grayscale',
    plate_regions: regions as string[] | undefined
  }
}

/** The CTC config: the manifest-entry fields a training script writes next to its model. */
interface CtcConfig {
  input: Partial<ModelInputSpec>
  output: Partial<ModelOutputSpec>
  alphabet: string
  blank?: number
  license?: string
  source?: string
}

export async function readCtcConfig(path: string): Promise<CtcConfig> {
  let doc: unknown
  try {
    doc = JSON.parse(await readText(path, 'model config'))
  } catch (err) {
    if (err instanceof ModelFileError) throw err
    fail(`${path}: not valid JSON (${(err as Error).message})`)
  }
  if (!doc || typeof doc !== 'object') return fail(`${path}: expected an object with input, output, alphabet`)
  const c = doc as Record<string, unknown>
  const input = c.input as Record<string, unknown> | undefined
  const output = c.output as Record<string, unknown> | undefined
  if (!input || typeof input !== 'object') fail(`${path}: "input" is missing (width, height, channels, dtype, layout, ...)`)
  if (!output || typeof output !== 'object') fail(`${path}: "output" is missing ({"layout": "ctc", "axes": "NCT"|"NTC", "scores": "logits"|"probs"})`)
  if (output!.layout !== 'ctc') fail(`${path}: output.layout must be "ctc", got ${JSON.stringify(output!.layout)} (a fast-plate-ocr model comes with its plate_config.yaml instead)`)
  if (output!.axes !== undefined && output!.axes !== 'NCT' && output!.axes !== 'NTC') fail(`${path}: output.axes must be "NCT" or "NTC"`)
  if (output!.scores !== undefined && output!.scores !== 'logits' && output!.scores !== 'probs') fail(`${path}: output.scores must be "logits" or "probs"`)
  if (typeof c.alphabet !== 'string' || !c.alphabet.length) fail(`${path}: "alphabet" must be a non-empty string (one character per class)`)
  for (const k of ['width', 'height'] as const) {
    if (!Number.isInteger(input![k]) || (input![k] as number) < 1) fail(`${path}: input.${k} must be a whole number >= 1`)
  }
  if (input!.dtype !== undefined && input!.dtype !== 'float32' && input!.dtype !== 'uint8') fail(`${path}: input.dtype must be "float32" or "uint8"`)
  if (input!.layout !== undefined && input!.layout !== 'NCHW' && input!.layout !== 'NHWC') fail(`${path}: input.layout must be "NCHW" or "NHWC"`)
  for (const k of ['mean', 'std'] as const) {
    const v = input![k]
    if (v !== undefined && (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number'))) fail(`${path}: input.${k} must be 3 numbers`)
  }
  if (c.blank !== undefined && !Number.isInteger(c.blank)) fail(`${path}: blank must be a class index`)
  return c as unknown as CtcConfig
}

// ---------------------------------------------------------------- checks

/** Input dims against what the config says; symbolic dims (a dynamic batch) pass. */
function checkDims(file: string, t: OnnxTensorInfo, want: number[], what: string): void {
  const ok = t.dims.length === want.length && t.dims.every((d, i) => typeof d !== 'number' || d === want[i] || (i === 0 && d >= 1))
  if (!ok) fail(`${file}: input "${t.name}" is ${dimsText(t.dims)}, but ${what} needs ${dimsText(want.map((v, i) => (i === 0 ? 'N' : v)))}`)
}

/** One inference on an all-zero input of the given shape. */
async function testRun(
  file: string,
  bytes: Buffer,
  input: string,
  dtype: 'uint8' | 'float32',
  dims: number[]
): Promise<Ort.InferenceSession.OnnxValueMapType> {
  const ort = await loadOrt()
  const n = dims.reduce((a, b) => a * b, 1)
  const feeds = { [input]: dtype === 'uint8' ? new ort.Tensor('uint8', new Uint8Array(n), dims) : new ort.Tensor('float32', new Float32Array(n), dims) }
  let session: Ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, logSeverityLevel: 3 })
  } catch (err) {
    return fail(`${file}: ONNX Runtime cannot load the model (${String((err as Error).message ?? err).split('\n')[0]!.slice(0, 300)})`)
  }
  try {
    return await session.run(feeds)
  } catch (err) {
    return fail(`${file}: the test inference failed (${String((err as Error).message ?? err).split('\n')[0]!.slice(0, 300)})`)
  } finally {
    await session.release()
  }
}

async function checkFastPlateOcr(file: string, configPath: string, info: OnnxInfo, bytes: Buffer): Promise<Omit<ModelEntry, 'id' | 'file' | 'sha256' | 'size'>> {
  const c = await readPlateConfig(configPath)
  const input = info.inputs[0]!
  const channels = c.image_color_mode === 'grayscale' ? 1 : 3
  if (input.elemType !== 2) {
    fail(`${file}: input "${input.name}" is ${ONNX_TYPES[input.elemType] ?? `type ${input.elemType}`}; a fast-plate-ocr model takes uint8 images (is this the right file?)`)
  }
  checkDims(file, input, [1, c.img_height, c.img_width, channels], `${configPath} (img_height ${c.img_height}, img_width ${c.img_width}, ${c.image_color_mode})`)
  const regions = c.plate_regions ?? []
  const names = info.outputs.map((o) => o.name)
  if (regions.length && !(names.includes('plate') && names.includes('region'))) {
    fail(`${file}: ${configPath} lists plate_regions, but the model has no "plate" and "region" outputs (outputs: ${names.join(', ')})`)
  }
  const plateName = names.includes('plate') ? 'plate' : names[0]!
  const out = await testRun(file, bytes, input.name, 'uint8', [1, c.img_height, c.img_width, channels])
  const plate = out[plateName]!
  const k = c.alphabet.length
  const d = plate.dims
  const shapeOk = (d.length === 3 && d[1] === c.max_plate_slots && d[2] === k) || (d.length === 2 && d[1] === c.max_plate_slots * k)
  if (!shapeOk) {
    const slotsGot = d.length === 3 ? `${d[1]} slots × ${d[2]} classes` : `${d[1]} values`
    fail(
      `${file}: output "${plateName}" is ${dimsText(d)} (${slotsGot}), but ${configPath} says max_plate_slots ${c.max_plate_slots} × ` +
        `alphabet of ${k} characters: the config does not belong to this model`
    )
  }
  if (regions.length) {
    const r = out.region!
    if (r.dims[1] !== regions.length) {
      fail(`${file}: output "region" has ${r.dims[1]} classes, but ${configPath} lists ${regions.length} plate_regions: the config does not belong to this model`)
    }
  }
  return {
    task: 'recognizer',
    input: { name: input.name, dtype: 'uint8', layout: 'NHWC', width: c.img_width, height: c.img_height, channels, resize: c.keep_aspect_ratio ? 'letterbox' : 'stretch' },
    output: { layout: regions.length ? 'slots+region' : 'slots', names: regions.length ? ['plate', 'region'] : [plateName] },
    slots: c.max_plate_slots,
    alphabet: c.alphabet,
    padChar: c.pad_char,
    ...(regions.length ? { regions } : {}),
    license: 'user-supplied',
    source: `fast-plate-ocr (added from ${file})`
  }
}

async function checkCtc(file: string, configPath: string, info: OnnxInfo, bytes: Buffer): Promise<Omit<ModelEntry, 'id' | 'file' | 'sha256' | 'size'>> {
  const c = await readCtcConfig(configPath)
  const input = info.inputs[0]!
  const spec: ModelInputSpec = {
    name: input.name,
    dtype: c.input.dtype ?? 'float32',
    layout: c.input.layout ?? 'NCHW',
    width: c.input.width!,
    height: c.input.height!,
    channels: c.input.channels ?? 3,
    resize: c.input.resize ?? 'stretch',
    ...(c.input.channelOrder ? { channelOrder: c.input.channelOrder } : {}),
    ...(c.input.mean ? { mean: c.input.mean } : {}),
    ...(c.input.std ? { std: c.input.std } : {})
  }
  if (spec.channels !== 3 && spec.channels !== 1) fail(`${configPath}: input.channels must be 1 or 3`)
  const wantType = spec.dtype === 'uint8' ? 2 : 1
  if (input.elemType !== wantType) {
    fail(`${file}: input "${input.name}" is ${ONNX_TYPES[input.elemType] ?? `type ${input.elemType}`}, but ${configPath} says ${spec.dtype}`)
  }
  const dims = spec.layout === 'NCHW' ? [1, spec.channels, spec.height, spec.width] : [1, spec.height, spec.width, spec.channels]
  checkDims(file, input, dims, `${configPath} (${spec.layout} ${spec.width}x${spec.height}x${spec.channels})`)
  const outName = c.output.names?.find((x) => info.outputs.some((o) => o.name === x)) ?? info.outputs[0]!.name
  const out = await testRun(file, bytes, input.name, spec.dtype, dims)
  const t = out[outName]!
  const axes = c.output.axes ?? 'NCT'
  if (t.dims.length !== 3) fail(`${file}: output "${outName}" is ${dimsText(t.dims)}; a CTC model gives [N, classes, T] or [N, T, classes]`)
  const classes = axes === 'NCT' ? t.dims[1]! : t.dims[2]!
  const alphabet = [...c.alphabet]
  if (classes !== alphabet.length) {
    fail(
      `${file}: output "${outName}" is ${dimsText(t.dims)} (${axes}: ${classes} classes), but ${configPath} has an alphabet of ` +
        `${alphabet.length} characters (blank included): the alphabet does not belong to this model`
    )
  }
  const blank = c.blank ?? classes - 1
  if (blank < 0 || blank >= classes) fail(`${configPath}: blank ${blank} is not a class index (0..${classes - 1})`)
  return {
    task: 'recognizer',
    input: spec,
    output: { layout: 'ctc', names: [outName], axes, scores: c.output.scores ?? 'logits' },
    alphabet: c.alphabet,
    blank,
    license: c.license ?? 'user-supplied',
    source: c.source ?? `CTC recogniser (added from ${file})`
  }
}

async function checkYolo(file: string, info: OnnxInfo, bytes: Buffer): Promise<Omit<ModelEntry, 'id' | 'file' | 'sha256' | 'size'>> {
  const input = info.inputs[0]!
  if (input.elemType === 2) {
    fail(`${file}: takes uint8 images like a fast-plate-ocr recogniser: give its plate_config.yaml with --config (a detector needs no config)`)
  }
  if (input.elemType !== 1) fail(`${file}: input "${input.name}" is ${ONNX_TYPES[input.elemType] ?? `type ${input.elemType}`}; a YOLO detector takes float32 [1, 3, H, W]`)
  const md = info.metadata
  const fromMeta = md.imgsz ? parseImgsz(md.imgsz) : null
  const h = fromMeta?.[0] ?? (typeof input.dims[2] === 'number' ? input.dims[2] : null)
  const w = fromMeta?.[1] ?? (typeof input.dims[3] === 'number' ? input.dims[3] : null)
  if (input.dims.length !== 4 || (typeof input.dims[1] === 'number' && input.dims[1] !== 3)) {
    fail(`${file}: input "${input.name}" is ${dimsText(input.dims)}; a YOLO detector takes [1, 3, H, W] (a CTC recogniser needs its JSON config: --config)`)
  }
  if (!h || !w) fail(`${file}: the image size is neither in the metadata (imgsz) nor in the input shape ${dimsText(input.dims)}`)
  if (h !== w && !md.names && !md.imgsz) {
    fail(`${file}: no Ultralytics metadata (names, imgsz) and a ${w}x${h} input: not a YOLO detector; a CTC recogniser needs its JSON config (--config X.json)`)
  }
  if (h !== w) fail(`${file}: input ${w}x${h} is not square; export the detector with a square imgsz (e.g. imgsz=640)`)
  checkDims(file, input, [1, 3, h!, w!], `imgsz ${h}`)
  const out = await testRun(file, bytes, input.name, 'float32', [1, 3, h!, w!])
  const t = out[info.outputs[0]!.name]!
  const names = md.names ? parseUltralyticsNames(md.names) : null
  let layout: string
  let classes: string[]
  if (t.dims.length === 2 && t.dims[1] === 7) {
    layout = 'end2end'
    classes = names ?? ['license-plate']
  } else if (t.dims.length === 3 && t.dims[0] === 1 && t.dims[1]! >= 5) {
    const nc = t.dims[1]! - 4
    if (t.dims[1]! > t.dims[2]! && t.dims[2]! > 4) {
      fail(`${file}: output is ${dimsText(t.dims)}, which looks transposed; PlateDesk reads the raw Ultralytics head [1, 4+classes, N]`)
    }
    if (names && names.length !== nc) {
      fail(`${file}: output ${dimsText(t.dims)} has ${nc} class scores, but the metadata names ${names.length} classes (${names.join(', ')})`)
    }
    layout = 'yolo-raw'
    classes = names ?? Array.from({ length: nc }, (_, i) => (nc === 1 ? 'license-plate' : `class${i}`))
  } else {
    return fail(`${file}: output is ${dimsText(t.dims)}; a detector gives the raw YOLO head [1, 4+classes, N] (or [N, 7] with NMS inside)`)
  }
  return {
    task: 'detector',
    input: { name: input.name, dtype: 'float32', layout: 'NCHW', width: w!, height: h!, channels: 3, scale: '0..1', resize: 'letterbox' },
    output: { layout, names: [info.outputs[0]!.name] },
    classes,
    license: 'user-supplied',
    source: `${md.description || 'YOLO detector'} (added from ${file})`
  }
}

/** The kind a config implies: a .yaml is fast-plate-ocr's, a .json a CTC entry, none a YOLO detector. */
export function kindOf(config: string | undefined): UserModelKind {
  if (!config) return 'yolo'
  const ext = extname(config).toLowerCase()
  if (ext === '.yaml' || ext === '.yml') return 'fast-plate-ocr'
  if (ext === '.json') return 'ctc'
  return fail(`${config}: unknown config type (a fast-plate-ocr plate_config.yaml, or a CTC model's .json)`)
}

/** Validates a model file with its config and builds its manifest entry; copies nothing. */
export async function checkModelFile(fileArg: string, opts: AddModelOptions = {}): Promise<CheckedModel> {
  const file = resolve(fileArg)
  const config = opts.config ? resolve(opts.config) : undefined
  let st
  try {
    st = await stat(file)
  } catch {
    return fail(`${file}: no such file`)
  }
  if (!st.isFile()) fail(`${file}: not a file`)
  if (st.size > 2 ** 31) fail(`${file}: ${st.size} bytes is too large for a plate model`)
  const kind = kindOf(config)
  const id = opts.id ?? defaultModelId(file)
  checkId(id, opts.userDataDir)
  const bytes = await readFile(file)
  let info: OnnxInfo
  try {
    info = readOnnxInfo(bytes)
  } catch (err) {
    return fail(`${file}: ${(err as Error).message}`)
  }
  const body =
    kind === 'fast-plate-ocr' ? await checkFastPlateOcr(file, config!, info, bytes) : kind === 'ctc' ? await checkCtc(file, config!, info, bytes) : await checkYolo(file, info, bytes)
  const entry: ModelEntry = {
    id,
    ...body,
    file: `${id}.onnx`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    user: true,
    ...(config ? { config: basename(config) } : {}),
    added: new Date().toISOString()
  } as ModelEntry
  return { kind, entry, bytes }
}

async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data)
  await rename(tmp, path)
}

async function writeUserManifest(models: ModelEntry[], userDataDir: string | undefined): Promise<void> {
  const entries = models.map((m) => ({ ...m, user: true }))
  await writeAtomic(userManifestPath(userDataDir), JSON.stringify({ version: 1, models: entries }, null, 2) + '\n')
}

/**
 * Checks the file, then copies it into the user models folder and lists it there. The file goes in
 * first and the manifest last, so a crash in between leaves an unlisted file, never a listed missing one.
 */
export async function addUserModel(file: string, opts: AddModelOptions = {}): Promise<CheckedModel & { path: string }> {
  const checked = await checkModelFile(file, opts)
  const dir = userModelsDir(opts.userDataDir)
  await mkdir(dir, { recursive: true })
  const dest = join(dir, checked.entry.file)
  await writeAtomic(dest, checked.bytes)
  const models = loadUserManifest(opts.userDataDir).models
  await writeUserManifest([...models, checked.entry], opts.userDataDir)
  return { ...checked, path: dest }
}

/** Removes one of the user's models (its entry, then its file); built-in models cannot be removed. */
export async function removeUserModel(id: string, opts: { userDataDir?: string } = {}): Promise<ModelEntry> {
  if (builtinModelIds().has(id)) fail(`model ${id} ships with PlateDesk and cannot be removed (only models you added can)`)
  const models = loadUserManifest(opts.userDataDir).models
  const entry = models.find((m) => m.id === id)
  if (!entry) {
    const mine = models.map((m) => m.id)
    throw Object.assign(new ModelFileError(`model ${id} is not one of your models (yours: ${mine.length ? mine.join(', ') : 'none'})`), { code: 'not-found' })
  }
  await writeUserManifest(
    models.filter((m) => m.id !== id),
    opts.userDataDir
  )
  const path = join(userModelsDir(opts.userDataDir), entry.file)
  if (existsSync(path)) await rm(path, { force: true })
  return entry
}
