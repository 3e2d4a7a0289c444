/**
 * Opens the app signed in, for browser tests and benches: seeds the renderer's token store
 * (src/renderer/src/api/token-store.ts, key `vigil.auth`) before any page script runs. Only when the
 * store is empty, so tokens the app has since refreshed are not put back on the next navigation.
 */
import type { BrowserContext, Page } from 'playwright-core'

export async function signInBrowser(target: Page | BrowserContext, tokens: { accessToken: string; refreshToken: string }): Promise<void> {
  const stored = JSON.stringify({ access_token: tokens.accessToken, refresh_token: tokens.refreshToken, token_type: 'bearer', expires_in: 900, refreshAfterMs: Date.now() + 600_000 })
  // A string, not a function: tsx would wrap inner functions in a `__name` helper the page lacks.
  await target.addInitScript(`if (!localStorage.getItem('vigil.auth')) localStorage.setItem('vigil.auth', ${JSON.stringify(stored)})`)
}
