// Unsaved plate texts, one per plate, kept in memory for the whole session (moving to another plate or
// another screen keeps them; Enter saves one, Esc discards it). Module-level so leaving Review keeps them.
const drafts = new Map<number, string>()
const listeners = new Set<() => void>()

export const Drafts = {
  get(id: number): string | undefined {
    return drafts.get(id)
  },
  has(id: number): boolean {
    return drafts.has(id)
  },
  /** the text typed for a plate; typing its stored text back drops the draft */
  set(id: number, text: string, stored: string): void {
    if (text === stored) drafts.delete(id)
    else drafts.set(id, text)
    emit()
  },
  delete(id: number): void {
    if (drafts.delete(id)) emit()
  },
  onChange(cb: () => void): () => void {
    listeners.add(cb)
    return () => {
      listeners.delete(cb)
    }
  }
}

function emit(): void {
  for (const cb of listeners) cb()
}
