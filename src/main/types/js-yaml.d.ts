// The part of js-yaml (4.x) PlateDesk uses; the package ships no types and @types/js-yaml is not installed.
declare module 'js-yaml' {
  export function load(str: string, opts?: { filename?: string; json?: boolean }): unknown
}
