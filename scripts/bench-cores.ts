// `platedesk bench` core by core (Linux, taskset). The development VM's two vCPUs do not run at one
// steady speed: pinned alone, the detector took 17-22 ms per frame on CPU 0 and 23-25 ms on CPU 1 in one
// minute, and the same on both in another; running on both at once slowed neither. `npm run bench`
// compares rows that ran at different moments on whichever CPU the scheduler chose, so its per-core and
// second-worker ratios carry that drift. This runs, R rounds, each round close together in time:
// - for each CPU k: `taskset -c k platedesk bench --workers 1`: PlateDesk with one worker and the plain
//   pipeline, every thread of each (main, worker, decode) on CPU k: one core each, the same core;
// - unpinned: `platedesk bench --workers N --no-plain`: N workers on all CPUs.
// Each round prints per CPU PlateDesk vs plain by images/s, and the N workers' images/s against the
// fastest CPU's one worker and against the sum of every CPU's one worker (the share of the cores' own
// capacity the workers reach); then the medians of those ratios over the rounds.
//
//   npm run bench:cores [-- --rounds R] [--repeat P] [DIR]
import { spawnSync } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchReport } from '../src/main/cli/commands/bench'
import { numberFlag } from './bench-lib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name: string, def: number) => numberFlag(args, name, def)
const rounds = flag('--rounds', 3)
const repeat = flag('--repeat', 6)
const dir = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? join(root, '..', 'shared', 'fixtures', 'romania-dashcam', 'images')
if (!process.env.ALPR_MODELS_DIR) process.env.ALPR_MODELS_DIR = join(root, '..', 'shared', 'models')
const cpus = availableParallelism()

function bench(pin: number | null, extra: string[]): BenchReport {
  const cmd = [process.execPath, join(root, 'bin', 'platedesk.js'), 'bench', dir, '--no-int8', '--json', '--repeat', String(repeat), ...extra]
  const r = pin == null ? spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' }) : spawnSync('taskset', ['-c', String(pin), ...cmd], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`platedesk bench${pin == null ? '' : ` on CPU ${pin}`} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`)
  return JSON.parse(r.stdout) as BenchReport
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b)
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2
}
const f1 = (v: number) => v.toFixed(1)

function main(): void {
  if (process.platform !== 'linux' || spawnSync('taskset', ['--version']).status !== 0) {
    console.log('bench:cores needs Linux and taskset (util-linux): skipped')
    return
  }
  if (cpus < 2) {
    console.log(`bench:cores needs 2 or more CPUs (this machine has ${cpus}): skipped`)
    return
  }
  const perCore: number[][] = Array.from({ length: cpus }, () => [])
  const vsBest: number[] = []
  const vsSum: number[] = []
  for (let k = 0; k < rounds; k++) {
    console.log(`round ${k + 1}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
    const ones: number[] = []
    for (let c = 0; c < cpus; c++) {
      const rep = bench(c, ['--workers', '1'])
      const pd = rep.results.find((r) => r.pipeline === 'platedesk')!
      const pl = rep.results.find((r) => r.pipeline === 'plain')!
      ones.push(pd.imagesPerSecond)
      perCore[c]!.push(pd.imagesPerSecond / pl.imagesPerSecond)
      console.log(
        `  CPU ${c}: PlateDesk 1 worker ${f1(pd.imagesPerSecond)} images/s (CPU ${f1(pd.cpuMsPerImage)} ms/image), ` +
          `plain ${f1(pl.imagesPerSecond)} images/s (CPU ${f1(pl.cpuMsPerImage)} ms/image): ${(pd.imagesPerSecond / pl.imagesPerSecond).toFixed(2)}x`
      )
    }
    const rep = bench(null, ['--workers', String(cpus), '--no-plain'])
    const w = rep.results.find((r) => r.pipeline === 'platedesk' && r.workers === cpus)!.imagesPerSecond
    const best = Math.max(...ones)
    const sum = ones.reduce((x, y) => x + y, 0)
    vsBest.push(w / best)
    vsSum.push(w / sum)
    console.log(
      `  ${cpus} workers, all CPUs: ${f1(w)} images/s = ${(w / best).toFixed(2)}x the fastest CPU's one worker, ` +
        `${Math.round((w / sum) * 100)}% of the ${f1(sum)} images/s the CPUs gave one worker each`
    )
  }
  console.log(`medians of ${rounds} round${rounds > 1 ? 's' : ''}:`)
  perCore.forEach((v, c) => console.log(`  CPU ${c}: PlateDesk 1 worker vs plain on the same CPU ${median(v).toFixed(2)}x images/s`))
  console.log(`  ${cpus} workers: ${median(vsBest).toFixed(2)}x the fastest CPU's one worker; ${Math.round(median(vsSum) * 100)}% of the CPUs' one-worker rates summed`)
}

main()
