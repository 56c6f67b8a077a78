// process.exit() for a process that may have engines running: their worker threads are stopped first
// (pool.ts, stopWorker), because exiting under a worker that is inside ONNX Runtime or libvips aborts
// the process (exit code 134 instead of the one asked for).
import { closeAllEngines } from './pool'

let leaving = false

/** true once exitAfterEngines was called: requests failing because their engine closed are not news */
export function exiting(): boolean {
  return leaving
}

export function exitAfterEngines(code: number): void {
  leaving = true
  void closeAllEngines()
    .catch(() => undefined)
    .finally(() => process.exit(code))
}
