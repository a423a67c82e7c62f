/**
 * A failure the operator can act on: wrong key, wrong passphrase, damaged file. Messages name the
 * file and the key, never the passphrase (callers still pass them through `mask()`).
 */
export class CryptoError extends Error {
  constructor(
    message: string,
    readonly reason: 'wrong-key' | 'wrong-passphrase' | 'corrupt' | 'bad-key-file' | 'io',
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}
