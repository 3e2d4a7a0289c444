/** The small, named API the Electron preload exposes to the renderer as `window.vigil`. Types only. */
export interface VigilDesktopApi {
  /** The station's own URL (the renderer also talks to it over HTTP/WS, like remote browsers). */
  stationUrl: string
  appVersion: string
}
