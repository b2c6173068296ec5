import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The public half of `key` (a private or public asymmetric key) as a KeyObject of its own, parsed
 * from DER, so that reading its JWK or key details never touches `key`.
 *
 * Why: Node 20 holds a key's mutex while it builds a JWK (or the key details) on the V8 heap, and
 * a key made by `generateKeyPairSync` shares that mutex with the generation job, whose destructor
 * takes it. When the garbage collection that destroys the job runs inside such an export, the
 * thread waits for itself forever: `ai-access-token keygen` hung that way, once in a few hundred
 * runs (its stack: ExportJWKRsaKey → GC → ~KeyGenJob → mutex lock). Encoding DER takes no lock,
 * and a key parsed from DER has a mutex no job shares. Keys given by callers (who may have just
 * generated them) are read only through this.
 *
 * @example
 * ```ts
 * const modulusLength = detachedPublicKey(privateKey).asymmetricKeyDetails?.modulusLength;
 * ```
 */
export function detachedPublicKey(key: KeyObject): KeyObject {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}
