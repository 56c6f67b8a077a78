// Starts the PostgreSQL worker (pg-worker.ts) from TypeScript source (CLI via tsx, tests): a worker thread
// cannot load .ts itself, so tsx is registered in the thread first. The electron-vite bundle does not
// need this: it builds out/main/pg-worker.js.
import { register } from 'tsx/esm/api'

register()
await import('./pg-worker.ts')
