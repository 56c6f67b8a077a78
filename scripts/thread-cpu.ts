// CPU time per thread of this process (Linux /proc/self/task/*/stat), so a benchmark can say where an
// import's CPU goes beside the engine's: the main thread, the engine's worker threads, the other
// threads (libuv's pool: file reads, hashing callbacks; V8's platform threads: GC, compilation;
// libvips/ORT threads if any), threads that ended during the run, and child processes (ffmpeg).
// CPU, not wall time: on a machine shared with other jobs wall time measures the neighbours too.
import { readdirSync, readFileSync } from 'node:fs'

/** ms of CPU (user + system) since the thread started, by kernel thread id, with its name */
type Snapshot = { at: Map<number, { comm: string; ms: number }>; process: number; children: number }

const TICK_MS = 10 // USER_HZ is 100 on every Linux the app ships for

/** utime + stime (fields 14, 15) and cutime + cstime (16, 17) of a /proc stat line, in ms */
function parseStat(s: string): { comm: string; ms: number; childMs: number } {
  const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'))
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { comm, ms: (Number(f[11]) + Number(f[12])) * TICK_MS, childMs: (Number(f[13]) + Number(f[14])) * TICK_MS }
}

export function snapshot(): Snapshot | null {
  try {
    const at = new Map<number, { comm: string; ms: number }>()
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const t = parseStat(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'))
        at.set(Number(tid), { comm: t.comm, ms: t.ms })
      } catch {
        /* the thread ended while we listed them */
      }
    }
    const p = parseStat(readFileSync('/proc/self/stat', 'utf8'))
    return { at, process: p.ms, children: p.childMs }
  } catch {
    return null // not Linux
  }
}

export interface ThreadCpu {
  /** ms of CPU over the run, by group */
  main: number
  engine: number
  /** the other threads still alive at the end, by name ('node' = libuv pool and V8 platform threads) */
  other: Map<string, number>
  /** threads that ended during the run (e.g. a thread pool that shrank) */
  ended: number
  children: number
  /** the busiest non-engine, non-main threads (tid, name, ms), for a closer look */
  top: { tid: number; comm: string; ms: number }[]
}

/** CPU per group between two snapshots; `engineTids` are the engine workers' kernel thread ids */
export function diff(a: Snapshot, b: Snapshot, engineTids: number[]): ThreadCpu {
  const out: ThreadCpu = { main: 0, engine: 0, other: new Map(), ended: 0, children: b.children - a.children, top: [] }
  const engine = new Set(engineTids)
  let alive = 0
  for (const [tid, t] of b.at) {
    const ms = t.ms - (a.at.get(tid)?.ms ?? 0)
    alive += ms
    if (tid === process.pid) out.main += ms
    else if (engine.has(tid)) out.engine += ms
    else {
      out.other.set(t.comm, (out.other.get(t.comm) ?? 0) + ms)
      if (ms > 0) out.top.push({ tid, comm: t.comm, ms })
    }
  }
  out.top.sort((x, y) => y.ms - x.ms)
  out.top = out.top.slice(0, 4)
  // process CPU includes threads that exited; what the live threads do not account for ended on the way
  out.ended = Math.max(0, b.process - a.process - alive)
  return out
}

/** one line: ms of CPU per item, engine vs everything else, split by group */
export function formatThreadCpu(c: ThreadCpu, items: number, unit: string): string {
  const per = (ms: number) => (ms / Math.max(1, items)).toFixed(1)
  const other = [...c.other].filter(([, ms]) => ms > 0).map(([k, ms]) => `${k === 'node' ? 'other node threads' : k} ${per(ms)}`)
  const rest = c.main + [...c.other.values()].reduce((s, v) => s + v, 0) + c.ended + c.children
  return (
    `CPU ms/${unit}: engine workers ${per(c.engine)} | everything else ${per(rest)} = main ${per(c.main)}` +
    (other.length ? `, ${other.join(', ')}` : '') +
    (c.ended ? `, ended threads ${per(c.ended)}` : '') +
    (c.children ? `, child processes ${per(c.children)}` : '')
  )
}
