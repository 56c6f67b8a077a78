// platedesk models: which models are installed, where, and whether they verify; --download fetches
// the missing or corrupt ones from the manifest's URL (checksum-checked, atomic). `models add` checks a
// model you bring and copies it into the user-data models folder; `models remove` takes it out again.
import type { Command } from 'commander'
import type { ModelStatus } from '../../../shared/types'
import { downloadModel, loadManifest, modelsInstallDir, userModelsDir, verifyModels } from '../../engine/models'
import { addUserModel, removeUserModel } from '../../engine/model-import'
import { ffmpegInfo, formatMediaTools } from '../../media/ffmpeg'

interface ModelsOptions {
  json?: boolean
  download?: boolean
  modelsDir?: string
}

export function formatModelsTable(rows: ModelStatus[], defaults: Set<string>, user: Set<string> = new Set()): string {
  const head = ['id', 'task', 'file', 'state', 'path']
  const mark = (id: string): string => (defaults.has(id) ? ' *' : user.has(id) ? ' +' : '')
  const cells = rows.map((r) => [r.id + mark(r.id), r.task, r.file, r.state, r.path ?? '-'])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')
  return [line(head), ...cells.map(line), `* = default model${user.size ? ', + = added by you (platedesk models remove ID)' : ''}`].join('\n')
}

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('list the models (id, task, file, state, path); exit 1 when a default model is missing or corrupt')
    .option('--json', 'print the statuses as JSON')
    .option('--download', 'download missing or corrupt models into the models folder')
    .option('--models-dir <DIR>', 'folder with the model files (default: ALPR_MODELS_DIR, then the user-data dir)')
    .action(async (o: ModelsOptions) => {
      const where = { modelsDir: o.modelsDir }
      const manifest = loadManifest()
      const defaults = new Set(manifest.models.filter((m) => m.default).map((m) => m.id))
      const user = new Set(manifest.models.filter((m) => m.user).map((m) => m.id))
      let rows = await verifyModels(where)
      if (o.download) {
        const dir = modelsInstallDir(where)
        for (const st of rows.filter((r) => r.state !== 'ok')) {
          const entry = manifest.models.find((m) => m.id === st.id)!
          if (!entry.url) continue // bundled or added by you: nothing to download
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
        process.stdout.write(formatModelsTable(rows, defaults, user) + '\n')
        // the video decoder is part of what reads untrusted files: show which build it is
        process.stdout.write(formatMediaTools(ffmpegInfo()).join('\n') + '\n')
      }
      const bad = rows.filter((r) => defaults.has(r.id) && r.state !== 'ok')
      for (const r of bad) process.stderr.write(`platedesk models: ${r.message}\n`)
      if (bad.length) process.exitCode = 1
    })

  models
    .command('add')
    .description('check a model you bring and add it to the user-data models folder: a fast-plate-ocr ONNX with --config plate_config.yaml, a CTC recogniser with --config X.json, or an Ultralytics YOLO detector ONNX (no config)')
    .argument('<file>', 'the .onnx file')
    .option('--config <file>', 'fast-plate-ocr plate_config.yaml, or a CTC model\'s JSON (input, output, alphabet, blank)')
    .option('--id <id>', 'the id to select it by (--recognizer / --detector, Settings); default: the file name')
    .option('--json', 'print the new manifest entry as JSON')
    .action(async (file: string, o: { config?: string; id?: string; json?: boolean }) => {
      try {
        const r = await addUserModel(file, { config: o.config, id: o.id })
        if (o.json) process.stdout.write(JSON.stringify(r.entry, null, 2) + '\n')
        else {
          const use = r.entry.task === 'detector' ? `--detector ${r.entry.id}` : `--recognizer ${r.entry.id}`
          process.stdout.write(`added ${r.entry.id} (${r.kind} ${r.entry.task}) as ${r.path}\nuse it with: platedesk recognize ${use} PATH...\n`)
        }
      } catch (err) {
        process.stderr.write(`platedesk models add: ${(err as Error).message}\n`)
        process.exitCode = 1
      }
    })

  models
    .command('remove')
    .description('remove a model you added (its file and its entry); models that ship with PlateDesk stay')
    .argument('<id>', 'the model id')
    .action(async (id: string) => {
      try {
        const e = await removeUserModel(id)
        process.stdout.write(`removed ${e.id} (${e.file} from ${userModelsDir()})\n`)
      } catch (err) {
        process.stderr.write(`platedesk models remove: ${(err as Error).message}\n`)
        process.exitCode = 1
      }
    })
}
