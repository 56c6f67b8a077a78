/**
 * The cause of a failed file without the file's path: the backend names the file in every error (for logs
 * and the CLI), but the failures table shows the path in its own column.
 */
export function failureReason(path: string, error: string): string {
  let r = error.startsWith(`${path}: `) ? error.slice(path.length + 2) : error
  // the path again inside the cause (e.g. ffmpeg quoting its input): the file's name says enough
  const name = path.split(/[\\/]/).pop() || path
  r = r.split(path).join(name)
  return r.trim() || error
}
