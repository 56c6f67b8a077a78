// Review-screen helpers for the specs.
import { expect, type Page } from '@playwright/test'

/**
 * What the Review screen shows right now: the ids of the queue rows marked selected and the plate id
 * the editor holds. One snapshot in the page, so a failure says what the two were instead of which
 * locator timed out.
 */
async function reviewSnapshot(page: Page): Promise<{ selected: string[]; editor: string | null }> {
  return page.evaluate(() => ({
    selected: [...document.querySelectorAll('[data-testid^="queue-row-"][aria-selected="true"]')].map((e) =>
      (e.getAttribute('data-testid') ?? '').replace('queue-row-', '')
    ),
    editor: document.querySelector('[data-testid="plate-input"]')?.getAttribute('data-plate-id') ?? null
  }))
}

/** The id of the plate the editor shows, once it is the one (and only one) selected in the queue. */
export async function currentPlateId(page: Page): Promise<number> {
  let last = { selected: [] as string[], editor: null as string | null }
  await expect
    .poll(
      async () => {
        last = await reviewSnapshot(page)
        return last.selected.length === 1 && last.selected[0] === last.editor
          ? 'consistent'
          : `queue selects [${last.selected.join(', ')}], editor shows ${last.editor ?? 'nothing'}`
      },
      { message: 'the queue selection and the plate editor agree' }
    )
    .toBe('consistent')
  return Number(last.editor)
}
