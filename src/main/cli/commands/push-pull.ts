// platedesk push --db LOCAL --to TARGET  /  platedesk pull --db LOCAL --from SOURCE
// --db is always your own library; push copies it into TARGET, pull copies SOURCE into it (db/library-copy.ts:
// ids remapped, media matched by content, histories merged, a re-run adds only what is missing).
// Each end is a library file, or a postgres:// URL where the build supports one (openLibrary decides).
import type { Command } from 'commander'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { openLibrary, type Library } from '../../db/index'
import { copyLibrary, type CopySummary } from '../../db/library-copy'

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s)

/** a library that must exist already (the side that is read) */
function mustExist(flag: string, where: string): string | null {
  if (isUrl(where) || existsSync(resolve(where))) return null
  return `${flag}: library ${resolve(where)} not found`
}

export function summaryText(s: CopySummary, verb: string, to: string): string {
  return [
    `${verb} ${s.media.total} media to ${to}${s.cancelled ? ' (cancelled: run it again to finish)' : ''}:`,
    `  media     ${s.media.added} added, ${s.media.present} already present`,
    `  plates    ${s.plates.added} added, ${s.plates.present} already present, ${s.plates.updated} took a later review`,
    `  history   ${s.history.added} rows added, ${s.history.present} already present, ${s.history.undoLinks} undo links set`,
    `  model     ${s.frames.added} frames, ${s.detections.added} detections, ${s.reads.added} reads, ${s.tracks.added} tracks added`,
    `  settings  ${s.settings.added} added (a setting the target has is kept)`
  ].join('\n')
}

async function run(cmd: 'push' | 'pull', from: string, to: string, opts: { json?: boolean; batch?: string }): Promise<void> {
  const fail = (msg: string, code = 2) => {
    process.stderr.write(`platedesk ${cmd}: ${msg}\n`)
    process.exitCode = code
  }
  const missing = mustExist(cmd === 'push' ? '--db' : '--from', from)
  if (missing) return fail(missing)
  if (!isUrl(from) && !isUrl(to) && resolve(from) === resolve(to)) return fail(`${resolve(from)} is both ends of the copy`)
  const batchSize = opts.batch != null ? Number(opts.batch) : undefined
  if (batchSize != null && !(Number.isInteger(batchSize) && batchSize >= 1)) return fail(`--batch: expected a whole number >= 1, got "${opts.batch}"`)

  let source: Library | undefined
  let target: Library | undefined
  const ac = new AbortController()
  const onSigint = () => {
    process.stderr.write(`\nplatedesk ${cmd}: stopping after the batch in hand (what is copied stays; run it again to finish)\n`)
    ac.abort()
  }
  process.once('SIGINT', onSigint)
  const tty = process.stderr.isTTY
  let lastPct = -1
  try {
    source = openLibrary(from)
    if (source.damage) return fail(source.damage, 1)
    target = openLibrary(to)
    if (target.damage) return fail(target.damage, 1)
    const summary = await copyLibrary(source.db, target.db, {
      batchSize,
      signal: ac.signal,
      onProgress: ({ phase, done, total }) => {
        const pct = total ? Math.floor((done / total) * 100) : 100
        if (pct === lastPct && done !== total) return
        lastPct = done === total ? -1 : pct
        if (!tty && pct % 10 !== 0 && done !== total) return
        process.stderr.write(`${tty ? '\r' : ''}${cmd} ${phase}: ${done}/${total} (${pct}%)${tty && done !== total ? '' : '\n'}`)
      }
    })
    if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
    else process.stdout.write(summaryText(summary, cmd === 'push' ? 'pushed' : 'pulled', target.file) + '\n')
    if (summary.cancelled) process.exitCode = 130
  } catch (err) {
    fail((err as Error).message, 1)
  } finally {
    process.removeListener('SIGINT', onSigint)
    source?.close()
    target?.close()
  }
}

export function registerPushPull(program: Command): void {
  program
    .command('push')
    .description('copy your library into another (a team server): media by content, plates, reviews and their full history; run again to send what is new')
    .requiredOption('--db <library>', 'your library (file)')
    .requiredOption('--to <library>', 'the library to copy into (file, or postgres:// URL where supported); created if absent')
    .option('--batch <n>', 'media per transaction (default 50)')
    .option('--json', 'print the summary as JSON')
    .action((o: { db: string; to: string; json?: boolean; batch?: string }) => run('push', o.db, o.to, o))
  program
    .command('pull')
    .description('copy another library (a team server) into yours: what it has that yours lacks, the later review winning per plate')
    .requiredOption('--db <library>', 'your library (file); created if absent')
    .requiredOption('--from <library>', 'the library to copy from (file, or postgres:// URL where supported)')
    .option('--batch <n>', 'media per transaction (default 50)')
    .option('--json', 'print the summary as JSON')
    .action((o: { db: string; from: string; json?: boolean; batch?: string }) => run('pull', o.from, o.db, o))
}
