// platedesk models: which models are installed, where, and whether they verify; --download fetches
// the missing or corrupt ones from the manifest's URL (checksum-checked, atomic).
import type { Command } from 'commander'
import type { ModelStatus } from '../../../shared/types'
import { downloadModel, loadManifest, modelsInstallDir, verifyModels } from '../../engine/models'
import { ffmpegInfo, formatMediaTools } from '../../media/ffmpeg'

interface ModelsOptions {
  json?: boolean
  download?: boolean
  modelsDir?: string
}

export function formatModelsTable(rows: ModelStatus[], defaults: Set<string>): string {
  const head = ['id', 'task', 'file', 'state', 'path']
  const cells = rows.map((r) => [r.id + (defaults.has(r.id) ? ' *' : ''), r.task, r.file, r.state, r.path ?? '-'])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')
  return [line(head), ...cells.map(line), '* = default model'].join('\n')
}

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('list the models (id, task, file, state, path); exit 1 when a default model is missing or corrupt')
    .option('--json', 'print the statuses as JSON')
    .option('--download', 'download missing or corrupt models into the models folder')
    .option('--models-dir <DIR>', 'folder with the model files (default: ALPR_MODELS_DIR, then the user-data dir)')
    .action(async (o: ModelsOptions) => {
      const where = { modelsDir: o.modelsDir }
      const manifest = loadManifest()
      const defaults = new Set(manifest.models.filter((m) => m.default).map((m) => m.id))
      let rows = await verifyModels(where)
      if (o.download) {
        const dir = modelsInstallDir(where)
        for (const st of rows.filter((r) => r.state !== 'ok')) {
          const entry = manifest.models.find((m) => m.id === st.id)!
          let last = 0
          try {
            await downloadModel(entry, dir, ({ bytes, total }) => {
              const now = Date.now()
              if (now - last < 500 && bytes !== total) return
              last = now
              const pct = total ? ` ${((100 * bytes) / total).toFixed(0)}%` : ''
              process.stderr.write(`downloading ${entry.file}: ${(bytes / 1e6).toFixed(1)} MB${pct}\n`)
            })
            process.stderr.write(`${entry.file}: saved to ${dir}\n`)
          } catch (err) {
            process.stderr.write(`platedesk models: ${(err as Error).message}\n`)
          }
        }
        rows = await verifyModels(where)
      }
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n')
      else {
        process.stdout.write(formatModelsTable(rows, defaults) + '\n')
        // the video decoder is part of what reads untrusted files: show which build it is
        process.stdout.write(formatMediaTools(ffmpegInfo()).join('\n') + '\n')
      }
      const bad = rows.filter((r) => defaults.has(r.id) && r.state !== 'ok')
      for (const r of bad) process.stderr.write(`platedesk models: ${r.message}\n`)
      if (bad.length) process.exitCode = 1
    })
}
