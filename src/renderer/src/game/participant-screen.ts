/**
 * Opens the participant's Drive page in its own window, named per session so a second click brings
 * the same window back instead of opening another. The desktop app puts it full screen on a second
 * display (src/main/participant-window.ts); a browser opens a popup the operator can drag there.
 */
export function openParticipantScreen(sessionId: string): Window | null {
  return window.open(`/drive/${encodeURIComponent(sessionId)}`, `vigil-participant-${sessionId}`, 'popup,width=1280,height=800')
}
