/**
 * Scenarios ship inside the renderer bundle (every resources/scenarios/*.json, validated at load).
 * Bundling rather than fetching from the station: the drive a participant gets is fixed by the build
 * that the unit tests checked, it works before sign-in completes and with the station's API busy,
 * and a scenario can never change between the operator choosing it and the participant driving it.
 */
import { scenarioSchema, type Scenario } from '@shared/schemas/scenario'

const files = import.meta.glob<unknown>('../../../../resources/scenarios/*.json', { eager: true, import: 'default' })

export const bundledScenarios: readonly Scenario[] = Object.entries(files)
  .map(([path, json]) => {
    const parsed = scenarioSchema.safeParse(json)
    if (!parsed.success) throw new Error(`scenario ${path} is invalid: ${parsed.error.message}`)
    return parsed.data
  })
  .sort((a, b) => a.durationS - b.durationS)

/** The scenario by id, with the session's seed when it has its own. */
export function resolveScenario(id: string, seed?: number): Scenario | null {
  const scenario = bundledScenarios.find((s) => s.id === id)
  if (!scenario) return null
  return seed === undefined ? scenario : { ...scenario, seed }
}
