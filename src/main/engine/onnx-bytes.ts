// A minimal protobuf reader/writer for the few ONNX graph rewrites done at load time (rect-model.ts,
// float-model.ts): fields are parsed lazily (a length-delimited body stays raw bytes until asked for)
// and untouched fields are written back byte for byte, so no ONNX library is needed.

export type Field = { no: number; wt: number; v: bigint | Buffer; raw: Buffer }

export function readVarint(b: Buffer, p: number): [bigint, number] {
  // fast path: most varints in a model (tags, lengths, small dims) fit in 4 bytes
  let r = 0
  for (let i = 0; i < 4; i++) {
    if (p >= b.length) throw new Error('truncated varint')
    const x = b[p++]!
    r |= (x & 0x7f) << (7 * i)
    if (!(x & 0x80)) return [BigInt(r >>> 0), p]
  }
  let big = BigInt(r >>> 0)
  let s = 28n
  for (;;) {
    if (p >= b.length) throw new Error('truncated varint')
    const x = b[p++]!
    big |= BigInt(x & 0x7f) << s
    s += 7n
    if (!(x & 0x80)) return [big, p]
  }
}

export function parse(b: Buffer): Field[] {
  const out: Field[] = []
  let p = 0
  while (p < b.length) {
    const start = p
    const [tag, p1] = readVarint(b, p)
    p = p1
    const no = Number(tag >> 3n)
    const wt = Number(tag & 7n)
    let v: bigint | Buffer
    if (wt === 0) [v, p] = readVarint(b, p)
    else if (wt === 2) {
      const [len, p2] = readVarint(b, p)
      p = p2 + Number(len)
      if (p > b.length) throw new Error('truncated field')
      v = b.subarray(p2, p)
    } else if (wt === 5) v = b.subarray(p, (p += 4))
    else if (wt === 1) v = b.subarray(p, (p += 8))
    else throw new Error(`unsupported wire type ${wt}`)
    if (p > b.length) throw new Error('truncated field')
    out.push({ no, wt, v, raw: b.subarray(start, p) })
  }
  return out
}

export function varint(n: number | bigint): Buffer {
  let v = BigInt(n)
  const bytes: number[] = []
  do {
    let x = Number(v & 0x7fn)
    v >>= 7n
    if (v) x |= 0x80
    bytes.push(x)
  } while (v)
  return Buffer.from(bytes)
}

export const lenField = (no: number, body: Buffer) => Buffer.concat([varint((no << 3) | 2), varint(body.length), body])
export const varintField = (no: number, n: number) => Buffer.concat([varint(no << 3), varint(n)])
export const stringField = (no: number, s: string) => lenField(no, Buffer.from(s, 'utf8'))

/** The strings of a repeated string field (e.g. a node's inputs). */
export const strings = (fs: Field[], no: number): string[] =>
  fs.filter((f) => f.no === no && f.wt === 2).map((f) => (f.v as Buffer).toString('utf8'))

/** A TensorProto's dims (packed or not). */
export function tensorDims(t: Field[]): number[] {
  const dims: number[] = []
  for (const f of t.filter((x) => x.no === 1)) {
    if (f.wt === 0) dims.push(Number(f.v))
    else {
      const b = f.v as Buffer
      let q = 0
      while (q < b.length) {
        const [v, q2] = readVarint(b, q)
        dims.push(Number(v))
        q = q2
      }
    }
  }
  return dims
}

/** ONNX TensorProto.DataType values used here */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const

/**
 * A TensorProto's values as numbers, for the element types the rewrites need (float, uint8, int8,
 * int32), from raw_data or the typed fields; null for anything else (external data, other types).
 */
export function tensorValues(t: Field[]): Float32Array | Int32Array | null {
  const dtype = Number(t.find((x) => x.no === 2)?.v ?? 0)
  if (t.some((x) => x.no === 13 || (x.no === 14 && x.v === 1n))) return null // external data
  const dims = tensorDims(t)
  const count = dims.reduce((a, b) => a * b, 1)
  const raw = t.find((x) => x.no === 9)?.v as Buffer | undefined
  if (dtype === DT.FLOAT) {
    if (raw) {
      if (raw.length !== count * 4) return null
      // copy to an aligned buffer (raw_data sits at any offset); ONNX and every supported CPU are little-endian
      return new Float32Array(Uint8Array.from(raw).buffer)
    }
    const vals: number[] = []
    for (const f of t.filter((x) => x.no === 4)) {
      if (f.wt === 5) vals.push((f.v as Buffer).readFloatLE(0))
      else for (let o = 0; o + 4 <= (f.v as Buffer).length; o += 4) vals.push((f.v as Buffer).readFloatLE(o))
    }
    return vals.length === count ? Float32Array.from(vals) : null
  }
  if (dtype === DT.UINT8 || dtype === DT.INT8 || dtype === DT.INT32) {
    if (raw) {
      const size = dtype === DT.INT32 ? 4 : 1
      if (raw.length !== count * size) return null
      if (dtype === DT.UINT8) return Int32Array.from(raw)
      if (dtype === DT.INT8) return Int32Array.from(new Int8Array(raw.buffer, raw.byteOffset, raw.length))
      return new Int32Array(Uint8Array.from(raw).buffer)
    }
    // uint8 / int8 / int32 without raw_data live in int32_data (field 5), varint-encoded
    const vals: number[] = []
    for (const f of t.filter((x) => x.no === 5)) {
      if (f.wt === 0) vals.push(Number(BigInt.asIntN(32, f.v as bigint)))
      else {
        const b = f.v as Buffer
        let q = 0
        while (q < b.length) {
          const [v, q2] = readVarint(b, q)
          vals.push(Number(BigInt.asIntN(32, v)))
          q = q2
        }
      }
    }
    return vals.length === count ? Int32Array.from(vals) : null
  }
  return null
}

/** A float32 TensorProto with raw_data. */
export function floatTensorProto(name: string, dims: number[], values: Float32Array): Buffer {
  return Buffer.concat([
    ...dims.map((d) => varintField(1, d)),
    varintField(2, DT.FLOAT),
    stringField(8, name),
    lenField(9, Buffer.from(values.buffer, values.byteOffset, values.byteLength))
  ])
}
