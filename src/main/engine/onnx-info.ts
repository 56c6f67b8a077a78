// What an ONNX file declares about itself, read from its protobuf without loading it into a runtime:
// the graph's inputs and outputs (name, element type, dims) and the model's metadata_props (where an
// Ultralytics export keeps its class names and image size). Used to check a model a user brings before
// anything is copied. Field numbers: onnx.proto (ModelProto, GraphProto, ValueInfoProto, TypeProto).
import { parse, type Field } from './onnx-bytes'

export interface OnnxTensorInfo {
  name: string
  /** onnx TensorProto.DataType: 1 float32, 2 uint8, 7 int64, ... */
  elemType: number
  /** one entry per axis: a number, or the symbolic name of a dynamic axis (e.g. 'batch') */
  dims: (number | string)[]
}

export interface OnnxInfo {
  inputs: OnnxTensorInfo[]
  outputs: OnnxTensorInfo[]
  metadata: Record<string, string>
  irVersion: number
}

export const ONNX_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'float64' }

const str = (f: Field | undefined): string => (f && Buffer.isBuffer(f.v) ? f.v.toString('utf8') : '')
const sub = (f: Field | undefined): Field[] => (f && Buffer.isBuffer(f.v) ? parse(f.v) : [])

function tensorInfo(vi: Field[]): OnnxTensorInfo {
  const name = str(vi.find((f) => f.no === 1))
  const tensor = sub(sub(vi.find((f) => f.no === 2)).find((f) => f.no === 1))
  const elemType = Number(tensor.find((f) => f.no === 1)?.v ?? 0)
  const dims = sub(tensor.find((f) => f.no === 2))
    .filter((f) => f.no === 1)
    .map((d) => {
      const parts = sub(d)
      const value = parts.find((f) => f.no === 1)
      if (value) return Number(value.v as bigint)
      return str(parts.find((f) => f.no === 2)) || '?'
    })
  return { name, elemType, dims }
}

/** Reads an ONNX file's bytes; throws when they are not an ONNX model (the caller names the file). */
export function readOnnxInfo(bytes: Buffer): OnnxInfo {
  let top: Field[]
  try {
    top = parse(bytes)
  } catch (err) {
    throw new Error(`not an ONNX model: the file is truncated, damaged or something else (${(err as Error).message})`)
  }
  const graphField = top.find((f) => f.no === 7 && f.wt === 2)
  const irField = top.find((f) => f.no === 1 && f.wt === 0)
  if (!graphField || !irField) throw new Error('not an ONNX model (no graph or IR version in the file)')
  const graph = sub(graphField)
  // before IR 4 every initializer was also listed as a graph input: those are weights, not inputs
  const initializers = new Set(graph.filter((f) => f.no === 5).map((f) => str(sub(f).find((x) => x.no === 8))))
  const inputs = graph.filter((f) => f.no === 11).map((f) => tensorInfo(sub(f))).filter((t) => !initializers.has(t.name))
  const outputs = graph.filter((f) => f.no === 12).map((f) => tensorInfo(sub(f)))
  const metadata: Record<string, string> = {}
  for (const f of top.filter((x) => x.no === 14)) {
    const kv = sub(f)
    metadata[str(kv.find((x) => x.no === 1))] = str(kv.find((x) => x.no === 2))
  }
  if (!inputs.length || !outputs.length) throw new Error('not a usable ONNX model (the graph declares no inputs or no outputs)')
  return { inputs, outputs, metadata, irVersion: Number(irField.v as bigint) }
}

/** Ultralytics writes `names` as a Python dict literal: {0: 'license-plate', 1: "car"}. */
export function parseUltralyticsNames(s: string): string[] | null {
  const pairs = [...s.matchAll(/(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)]
  if (!pairs.length) return null
  const names: string[] = []
  for (const m of pairs) names[Number(m[1])] = m[2] ?? m[3] ?? ''
  for (let i = 0; i < names.length; i++) if (names[i] === undefined) return null
  return names
}

/** Ultralytics `imgsz`: "[640, 640]" (height, width) or "640". */
export function parseImgsz(s: string): [number, number] | null {
  const nums = (s.match(/\d+/g) ?? []).map(Number)
  if (nums.length === 1) return [nums[0]!, nums[0]!]
  if (nums.length === 2) return [nums[0]!, nums[1]!]
  return null
}

