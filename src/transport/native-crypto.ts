import { createRequire } from 'node:module';

/**
 * True when ssh2's native crypto binding was built (aes-gcm then runs in C, not JS).
 * Reported by the bench and `inventory check` because it changes transfer speed a lot.
 */
export function cryptoBindingAvailable(): boolean {
  try {
    const require = createRequire(import.meta.url);
    return Boolean((require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean }).bindingAvailable);
  } catch {
    return false;
  }
}
