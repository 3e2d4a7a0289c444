/** Layered options (config file over defaults, test overrides over engine defaults): one merge rule for all. */

/** Every property optional at every depth; arrays are replaced whole, never merged element-wise. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] }

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** `over` onto `base`: objects merge key by key, `undefined` keeps the base value, anything else replaces it. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (over === undefined) return base
  if (!isPlainObject(over) || !isPlainObject(base)) return over as T
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) if (value !== undefined) out[key] = deepMerge(out[key], value)
  return out as T
}
