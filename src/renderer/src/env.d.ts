/// <reference types="vite/client" />
import type { VigilDesktopApi } from '../../preload/api'

declare global {
  interface Window {
    /** Present only inside the Electron window (see src/preload); remote browsers have no desktop API. */
    vigil?: VigilDesktopApi
  }
}
