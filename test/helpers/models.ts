// Shared test helper: where the real models and fixtures live. Tests that need them use
// `describe.skipIf(!modelsDir())` and print `MODELS_SKIP_REASON`, so a checkout without ../shared
// skips instead of failing.
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is test/helpers/models.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** ../shared relative to the repo root (read-only models, fixtures, datasets). */
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared')

const REQUIRED = ['yolo-v9-t-416-license-plates-end2end1.onnx', 'cct_xs_v2_global.onnx']

/**
 * The models directory, or null when the default models are not there.
 * Uses ALPR_MODELS_DIR when set; otherwise ../shared/models, and then sets ALPR_MODELS_DIR to it so the
 * engine (and child processes such as the CLI) resolve the same directory.
 */
export function modelsDir(): string | null {
  const dir = process.env.ALPR_MODELS_DIR ? resolve(process.env.ALPR_MODELS_DIR) : join(SHARED_DIR, 'models')
  if (!REQUIRED.every((f) => existsSync(join(dir, f)))) return null
  if (!process.env.ALPR_MODELS_DIR) process.env.ALPR_MODELS_DIR = dir
  return dir
}

export const MODELS_SKIP_REASON =
  'models not found: set ALPR_MODELS_DIR or provide ../shared/models (see ../shared/README.md)'

/** The romania-dashcam fixture dir (images/, annotations/, plates.tsv, clip.mp4), or null. */
export function fixturesDir(): string | null {
  const dir = join(SHARED_DIR, 'fixtures', 'romania-dashcam')
  return existsSync(join(dir, 'images')) ? dir : null
}

export const FIXTURES_SKIP_REASON = 'fixtures not found: ../shared/fixtures/romania-dashcam is absent'

/** Logs why a suite is skipped (vitest's skipIf prints no reason by itself). */
export function skipReason(...reasons: (string | null | false)[]): boolean {
  const r = reasons.filter(Boolean)
  if (r.length) console.warn(`[skip] ${r.join('; ')}`)
  return r.length > 0
}
