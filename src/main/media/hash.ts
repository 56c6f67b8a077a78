// Content identity of a media file: streamed SHA-256 (constant memory, any file size), or of bytes
// already read whole (readWholeFile: an imported photo is read once for its hash, EXIF and decode).
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'

/**
 * Files up to this size are read whole by the importer: one read instead of three (hash, EXIF, the
 * worker's decode), and the bytes move to the engine worker without a copy. Bounds the memory of the
 * files in flight (2 x workers + 2) to ~100 MB in the worst case; larger files are streamed as before.
 */
export const WHOLE_FILE_MAX = 16 << 20

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * The whole file in a buffer that owns its memory (transferable to a worker), read with one open,
 * read and close; rejects naming the file and the cause.
 */
export async function readWholeFile(path: string, size: number): Promise<Buffer> {
  try {
    const fh = await open(path, 'r')
    try {
      const buf = Buffer.allocUnsafeSlow(size)
      let n = 0
      while (n < size) {
        const { bytesRead } = await fh.read(buf, n, size - n, n)
        if (bytesRead === 0) break
        n += bytesRead
      }
      // the file shrank since it was stat()ed: hash what is there, as a stream would
      return n === size ? buf : Buffer.from(buf.subarray(0, n))
    } finally {
      await fh.close()
    }
  } catch (err) {
    throw new Error(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  const stream = createReadStream(path, { highWaterMark: 1 << 20 })
  try {
    for await (const chunk of stream) h.update(chunk as Buffer)
  } catch (err) {
    throw new Error(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  return h.digest('hex')
}
