export { CryptoError } from './errors.ts';
export {
  formatKeyId,
  generateKeyPair,
  keyFileFingerprint,
  keyIds,
  readPrivateKeyFile,
  readPublicKeyFile,
  unlockPrivateKey,
  type GeneratedKeyPair,
} from './keys.ts';
export {
  CHUNK,
  decryptFile,
  encryptFile,
  encryptingEncoder,
  encryptStream,
  hashingPassThrough,
  openDecryptStream,
  type StreamResult,
} from './stream.ts';
