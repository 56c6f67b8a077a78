// Country rule files (shared/country-rules.ts): the ones that ship with PlateDesk (repo rules/, next to
// app.asar when packaged) and the user's (<userData>/rules, or $PLATEDESK_RULES_DIR), where a file of
// the same name overrides the shipped one. Settings lists, edits, imports and exports them here; the
// engine gets the enabled, valid ones (engine/pipeline.ts CountryRulesOptions).
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RULE_ID, parseRuleFile } from '../../shared/country-rules'
import type { RuleFileInfo, Settings } from '../../shared/types'
import type { CountryRulesOptions } from '../engine/pipeline'
import { userModelsDir } from '../engine/models'

/** The shipped rules/ folder, from the source tree, the bundle or the packaged app's resources. */
export function bundledRulesDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url))
  const resources = (process as unknown as { resourcesPath?: string }).resourcesPath
  const candidates = [
    resolve(here, '../../../rules'), // src/main/services → repo root
    resolve(here, '../../rules'), // out/main → repo root
    resolve(process.cwd(), 'rules'),
    resources ? join(resources, 'rules') : undefined
  ]
  for (const c of candidates) if (c && existsSync(join(c, 'README.md'))) return c
  return null
}

/** Where the user's own and edited rule files live. */
export function userRulesDir(userDataDir?: string): string {
  if (process.env.PLATEDESK_RULES_DIR) return process.env.PLATEDESK_RULES_DIR
  return join(dirname(userModelsDir(userDataDir)), 'rules')
}

function listJson(dir: string | null): string[] {
  if (!dir || !existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && RULE_ID.test(f.slice(0, -5)))
    .sort()
}

export interface RulesStore {
  list(settings: Pick<Settings, 'disabledRules'>): RuleFileInfo[]
  /** the file's text (the user's copy when there is one) */
  text(id: string): { text: string; source: RuleFileInfo['source']; path: string }
  /** validates and writes the user's copy; nothing is written when it has errors */
  save(id: string, text: string): { errors: string[]; rule: RuleFileInfo | null }
  /** deletes the user's copy (a shipped rule comes back as shipped) */
  remove(id: string): void
  /** what the engine needs: the enabled, valid rules and the default country */
  engineOptions(settings: Pick<Settings, 'countryRules' | 'disabledRules' | 'defaultCountry'>): CountryRulesOptions | undefined
}

export function createRulesStore(opts: { userDataDir?: string; bundledDir?: string | null } = {}): RulesStore {
  const shipped = opts.bundledDir === undefined ? bundledRulesDir() : opts.bundledDir
  const userDir = userRulesDir(opts.userDataDir)
  const pathOf = (id: string): { path: string; source: RuleFileInfo['source'] } | null => {
    if (!RULE_ID.test(id)) throw Object.assign(new Error(`"${id}" is not a rule file name (lower-case letters, digits, - and _)`), { code: 'invalid-request' })
    const user = join(userDir, `${id}.json`)
    if (existsSync(user)) return { path: user, source: shipped && existsSync(join(shipped, `${id}.json`)) ? 'edited' : 'user' }
    if (shipped && existsSync(join(shipped, `${id}.json`))) return { path: join(shipped, `${id}.json`), source: 'shipped' }
    return null
  }
  const info = (id: string, disabled: string[]): RuleFileInfo => {
    const where = pathOf(id)!
    let text: string
    try {
      text = readFileSync(where.path, 'utf8')
    } catch (err) {
      return { id, country: id, regions: [], formats: 0, source: where.source, path: where.path, enabled: false, errors: [`${where.path}: ${(err as Error).message}`] }
    }
    const v = parseRuleFile(id, text)
    return {
      id,
      country: v.rule?.country ?? id,
      regions: v.rule?.regions ?? [],
      formats: v.rule?.formats.length ?? 0,
      source: where.source,
      path: where.path,
      enabled: !disabled.includes(id) && !v.errors.length,
      errors: v.errors.map((e) => `${where.path}: ${e}`)
    }
  }
  const ids = (): string[] => [...new Set([...listJson(shipped), ...listJson(userDir)].map((f) => f.slice(0, -5)))].sort()

  return {
    list: (s) => ids().map((id) => info(id, s.disabledRules)),
    text(id) {
      const where = pathOf(id)
      if (!where) throw Object.assign(new Error(`rule file ${id}.json not found`), { code: 'not-found' })
      return { text: readFileSync(where.path, 'utf8'), ...where }
    },
    save(id, text) {
      pathOf(id) // validates the id
      const v = parseRuleFile(id, text)
      if (v.errors.length) return { errors: v.errors, rule: null }
      mkdirSync(userDir, { recursive: true })
      // write then rename: a crash never leaves half a rule file
      const tmp = join(userDir, `.${id}.json.tmp`)
      writeFileSync(tmp, text.endsWith('\n') ? text : text + '\n')
      renameSync(tmp, join(userDir, `${id}.json`))
      return { errors: [], rule: info(id, []) }
    },
    remove(id) {
      pathOf(id)
      rmSync(join(userDir, `${id}.json`), { force: true })
    },
    engineOptions(s) {
      if (!s.countryRules) return undefined
      const files: CountryRulesOptions['files'] = []
      for (const id of ids()) {
        if (s.disabledRules.includes(id)) continue
        try {
          const v = parseRuleFile(id, readFileSync(pathOf(id)!.path, 'utf8'))
          if (v.file) files.push({ id, file: v.file })
        } catch {
          // an unreadable file is listed with its error in Settings and left out here, as an invalid one
        }
      }
      return files.length ? { files, defaultCountry: s.defaultCountry || null } : undefined
    }
  }
}
