// Finds the Python that can fine-tune a recognizer: PLATEDESK_PYTHON, else /usr/bin/python3 (on Linux
// the python3 first on PATH is often a venv or conda without torch), else python3 / python on PATH.
// It must import torch and onnx, and see our `training` package (repo root when developing,
// resources/training in the packaged app, put there by electron-builder.yml's extraResources).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface PythonInfo {
  /** the interpreter that has torch + onnx and sees the training package */
  python: string
  /** the folder that holds training/ (goes on PYTHONPATH) */
  trainingRoot: string
  torch: string
  onnx: string
  cuda: boolean
}

export interface PythonProblem {
  /** what is missing, in one sentence */
  message: string
  /** the commands that fix it, one per line, to show as they are */
  commands: string[]
}

export class PythonMissingError extends Error {
  constructor(readonly problem: PythonProblem) {
    super(`${problem.message}\nTo fix it, run:\n${problem.commands.map((c) => `  ${c}`).join('\n')}`)
    this.name = 'PythonMissingError'
  }
}

/** The folder holding the `training` Python package, or null. */
export function findTrainingRoot(): string | null {
  const candidates: string[] = []
  if (process.env.PLATEDESK_TRAINING_ROOT) candidates.push(resolve(process.env.PLATEDESK_TRAINING_ROOT))
  const resources = (process as { resourcesPath?: string }).resourcesPath
  if (resources) candidates.push(resources)
  // source tree (src/main/train) or bundle (out/main): walk up to the repo root
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    candidates.push(dir)
    dir = dirname(dir)
  }
  return candidates.find((c) => existsSync(join(c, 'training', 'finetune.py'))) ?? null
}

/** Interpreters to try, in order (deduplicated). */
export function pythonCandidates(): string[] {
  if (process.env.PLATEDESK_PYTHON) return [process.env.PLATEDESK_PYTHON] // the user's choice, nothing else
  const list = process.platform === 'win32' ? ['python', 'py'] : ['/usr/bin/python3', 'python3']
  return [...new Set(list)]
}

const PROBE = [
  'import json, sys',
  'out = {"python": sys.executable}',
  'for name in ("torch", "onnx"):',
  '    try:',
  '        m = __import__(name); out[name] = getattr(m, "__version__", "?")',
  '    except Exception as e:',
  '        out[name + "Error"] = str(e)',
  'try:',
  '    import torch; out["cuda"] = bool(torch.cuda.is_available())',
  'except Exception:',
  '    out["cuda"] = False',
  'try:',
  '    import importlib.util; out["training"] = importlib.util.find_spec("training.finetune") is not None',
  'except Exception as e:',
  '    out["training"] = False',
  'print(json.dumps(out))'
].join('\n')

interface Probe {
  python?: string
  torch?: string
  onnx?: string
  torchError?: string
  onnxError?: string
  cuda?: boolean
  training?: boolean
}

function probe(python: string, trainingRoot: string | null): Promise<Probe | { spawnError: string }> {
  return new Promise((resolvePromise) => {
    const env = { ...process.env }
    if (trainingRoot) env.PYTHONPATH = [trainingRoot, process.env.PYTHONPATH].filter(Boolean).join(process.platform === 'win32' ? ';' : ':')
    // run in the training root: `-c` puts the working directory first on sys.path
    execFile(python, ['-c', PROBE], { env, cwd: trainingRoot ?? undefined, timeout: 60_000, windowsHide: true }, (err, stdout) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      try {
        return resolvePromise(JSON.parse(line) as Probe)
      } catch {
        resolvePromise({ spawnError: err ? err.message : `no answer from ${python}` })
      }
    })
  })
}

/** The command a person runs to fine-tune by hand (shown when the app cannot do it itself). */
export function finetuneCommand(args: string[], python = pythonCandidates()[0], trainingRoot = findTrainingRoot()): string {
  const q = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)
  const pre = trainingRoot ? `cd ${q(trainingRoot)} && ` : ''
  return `${pre}${q(python)} -m training.finetune ${args.map(q).join(' ')}`
}

/** What to install for torch + onnx, per platform. */
function installCommands(python: string): string[] {
  if (process.platform === 'linux') return ['sudo apt-get install python3-torch python3-onnx']
  return [`${python} -m pip install torch onnx`]
}

/**
 * Finds a usable Python or throws PythonMissingError with the exact commands to fix it.
 * `finetuneArgs`: the trainer's arguments, so the message can also show the command to run by hand.
 */
export async function findPython(finetuneArgs: string[] = []): Promise<PythonInfo> {
  const trainingRoot = findTrainingRoot()
  const tried: string[] = []
  let partial: { python: string; p: Probe } | null = null
  for (const python of pythonCandidates()) {
    const p = await probe(python, trainingRoot)
    if ('spawnError' in p) {
      tried.push(`${python} (${p.spawnError.split('\n')[0]})`)
      continue
    }
    if (p.torch && p.onnx && p.training && trainingRoot) {
      return { python, trainingRoot, torch: p.torch, onnx: p.onnx, cuda: !!p.cuda }
    }
    partial ??= { python, p }
    tried.push(python)
  }
  // a Python that could not be started is no use in the command: name the usual one instead
  const shown = partial?.python ?? (process.platform === 'win32' ? 'python' : 'python3')
  const byHand = finetuneArgs.length ? [finetuneCommand(finetuneArgs, shown, trainingRoot)] : []
  if (!partial) {
    const which = process.env.PLATEDESK_PYTHON ? `PLATEDESK_PYTHON=${process.env.PLATEDESK_PYTHON}` : 'python3'
    throw new PythonMissingError({
      message: `Training needs Python 3 with torch and onnx, and ${which} cannot be run (tried ${tried.join(', ')}).`,
      commands: [...(process.platform === 'linux' ? ['sudo apt-get install python3 python3-torch python3-onnx'] : ['install Python 3 from python.org, then: python -m pip install torch onnx']), ...byHand]
    })
  }
  const { python, p } = partial
  const missing = [!p.torch && 'torch', !p.onnx && 'onnx'].filter(Boolean) as string[]
  if (missing.length) {
    throw new PythonMissingError({
      message: `Training needs the Python modules torch and onnx; ${python} lacks ${missing.join(' and ')} (${[p.torchError, p.onnxError].filter(Boolean).join('; ')}).`,
      commands: [...installCommands(python), ...byHand]
    })
  }
  throw new PythonMissingError({
    message: trainingRoot
      ? `${python} cannot import training.finetune from ${trainingRoot}.`
      : 'The PlateDesk training package (training/finetune.py) is not installed with this copy of PlateDesk.',
    commands: byHand.length ? byHand : ['reinstall PlateDesk, or run from a checkout of its source (training/ at the repository root)']
  })
}
