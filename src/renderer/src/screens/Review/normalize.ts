/** What the backend stores for a plate text (api.ts plateText): upper case, letters and digits only. */
export function normalizePlate(s: string): string {
  return s.toUpperCase().replace(/[^0-9A-Z]/g, '').slice(0, 16)
}
