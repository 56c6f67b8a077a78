// Runs `python -m training.finetune` as a child process: its JSON-lines events become callbacks, every
// line it prints (stdout and stderr) goes to the job's log file, and cancel ends the whole process
// tree (torch starts worker processes of its own).
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { PythonInfo } from './python'

export type FinetuneEvent =
  | { event: 'start'; [k: string]: unknown }
  | { event: 'epoch'; epoch: number; epochs: number; loss: number; valAccuracy: number | null }
  | { event: 'done'; model: string; config: string }
  | { event: 'error'; message: string }

export interface FinetuneArgs {
  data: string
  arch: 'lprnet' | 'cct'
  base: string
  config?: string
  out: string
  epochs: number
  seed: number
  device: 'auto' | 'cpu' | 'cuda'
}

export function finetuneArgv(a: FinetuneArgs): string[] {
  return [
    '--data', a.data,
    '--arch', a.arch,
    '--base', a.base,
    ...(a.config ? ['--config', a.config] : []),
    '--out', a.out,
    '--epochs', String(a.epochs),
    '--seed', String(a.seed),
    '--device', a.device
  ]
}

export class FinetuneCancelled extends Error {
  constructor() {
    super('training cancelled')
    this.name = 'FinetuneCancelled'
  }
}

export interface FinetuneRun {
  /** resolves with the 'done' event; rejects with the trainer's error (or its last log lines) */
  done: Promise<{ model: string; config: string }>
  cancel(): void
  pid: number | undefined
}

/** Ends a process and everything it started. */
export function killTree(child: ChildProcess): void {
  if (child.pid == null || child.exitCode != null || child.signalCode != null) return
  if (process.platform === 'win32') {
    execFile('taskkill', ['/pid', String(child.pid), '/T', '/F'], () => undefined)
    return
  }
  const pid = child.pid
  try {
    process.kill(-pid, 'SIGTERM') // the group: spawned detached, so it leads its own
  } catch {
    child.kill('SIGTERM')
  }
  const hard = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }, 5000)
  hard.unref()
  child.once('exit', () => clearTimeout(hard))
}

export function runFinetune(py: PythonInfo, args: FinetuneArgs, logFile: string, onEvent: (e: FinetuneEvent) => void): FinetuneRun {
  const log = createWriteStream(logFile, { flags: 'a' })
  const argv = ['-u', '-m', 'training.finetune', ...finetuneArgv(args)]
  log.write(`$ ${py.python} ${argv.join(' ')}\n`)
  const sep = process.platform === 'win32' ? ';' : ':'
  const child = spawn(py.python, argv, {
    cwd: py.trainingRoot,
    env: { ...process.env, PYTHONPATH: [py.trainingRoot, process.env.PYTHONPATH].filter(Boolean).join(sep), PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    windowsHide: true
  })
  let cancelled = false
  let result: { model: string; config: string } | null = null
  let error: string | null = null
  const tail: string[] = []
  const keep = (line: string): void => {
    log.write(`${line}\n`)
    tail.push(line)
    if (tail.length > 20) tail.shift()
  }
  createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line)
    if (!line.startsWith('{')) return
    let e: FinetuneEvent
    try {
      e = JSON.parse(line) as FinetuneEvent
    } catch {
      return // a stray line of the trainer's own output
    }
    if (e.event === 'done') result = { model: e.model, config: e.config }
    if (e.event === 'error') error = e.message
    onEvent(e)
  })
  createInterface({ input: child.stderr! }).on('line', keep)

  const done = new Promise<{ model: string; config: string }>((resolve, reject) => {
    child.once('error', (err) => {
      keep(`could not start ${py.python}: ${err.message}`)
      log.end()
      reject(new Error(`could not start ${py.python}: ${err.message}`))
    })
    child.once('close', (code, signal) => {
      log.write(`[exit ${code ?? signal}]\n`)
      log.end()
      if (cancelled) return reject(new FinetuneCancelled())
      if (code === 0 && result) return resolve(result)
      const last = tail.filter((l) => !l.startsWith('{"event"')).slice(-5).join('\n')
      reject(new Error(error ?? `the trainer exited with ${code != null ? `code ${code}` : signal} without a model${last ? `:\n${last}` : ''} (full log: ${logFile})`))
    })
  })
  return {
    done,
    pid: child.pid,
    cancel() {
      cancelled = true
      killTree(child)
    }
  }
}
