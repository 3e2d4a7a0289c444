/**
 * The audible cue for severe alerts: a short two-tone beep made with Web Audio (no sound files).
 * Browsers only allow audio after a user gesture, so the monitor's "Sound on" button calls `unlock`.
 */
let context: AudioContext | null = null

export function unlockAlarm(): boolean {
  if (!context) context = new AudioContext()
  void context.resume()
  return context.state !== 'closed'
}

export function isAlarmUnlocked(): boolean {
  return context !== null && context.state === 'running'
}

export function playAlarm(): void {
  if (!context || context.state !== 'running') return
  const start = context.currentTime
  for (const [offsetS, hz] of [
    [0, 880],
    [0.22, 660],
    [0.44, 880]
  ] as const) {
    const osc = context.createOscillator()
    const gain = context.createGain()
    osc.frequency.value = hz
    osc.type = 'square'
    gain.gain.setValueAtTime(0.0001, start + offsetS)
    gain.gain.exponentialRampToValueAtTime(0.25, start + offsetS + 0.02)
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offsetS + 0.2)
    osc.connect(gain).connect(context.destination)
    osc.start(start + offsetS)
    osc.stop(start + offsetS + 0.21)
  }
}
