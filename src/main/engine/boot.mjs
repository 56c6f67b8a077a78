// Worker bootstrap for running the engine worker from TypeScript source (CLI via tsx, tests): a
// Worker cannot load .ts itself, so register tsx in the worker thread first, then import the entry.
// The electron-vite bundle does not need this: it builds out/main/engine-worker.js.
import { register } from 'tsx/esm/api'
import { workerData } from 'node:worker_threads'

register()
await import(workerData.entry)
