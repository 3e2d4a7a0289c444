/**
 * Bounds the password verifications under way per account and per client address. Failures are only
 * counted by the login throttle once bcrypt has answered, so a burst of concurrent attempts used to
 * pass the throttle's check all at once: 30 wrong passwords for one account were all hashed, and the
 * right one got through in the middle of the burst. The excess is refused before any hashing.
 */
export interface VerificationGateOptions {
  perAccount?: number
  perAddress?: number
}

export interface VerificationGate {
  /** A release function when a verification may start now, else null (the caller answers 429). */
  enter(account: string, address: string): (() => void) | null
}

function change(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by
  if (next <= 0) map.delete(key)
  else map.set(key, next)
}

export function createVerificationGate(options: VerificationGateOptions = {}): VerificationGate {
  const perAccount = options.perAccount ?? 1
  const perAddress = options.perAddress ?? 4
  const accounts = new Map<string, number>()
  const addresses = new Map<string, number>()
  return {
    enter(account, address) {
      if ((accounts.get(account) ?? 0) >= perAccount || (addresses.get(address) ?? 0) >= perAddress) return null
      change(accounts, account, 1)
      change(addresses, address, 1)
      let released = false
      return () => {
        if (released) return
        released = true
        change(accounts, account, -1)
        change(addresses, address, -1)
      }
    }
  }
}
