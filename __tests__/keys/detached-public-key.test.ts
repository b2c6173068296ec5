import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { detachedPublicKey } from '../../src/keys/detached-public-key';
import { SigningKey } from '../../src/keys/signing-key';

// Node 20 deadlocks when the GC that destroys a generateKeyPairSync job runs inside a JWK or
// key-details read of that job's key (both hold the key's mutex, which the job's destructor takes).
// The package therefore reads JWKs and details only from a copy parsed from DER: these tests pin
// that the copy is a different object with the same public key.
describe('detachedPublicKey', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  it.each([
    ['a private key', privateKey],
    ['a public key', publicKey],
  ])('gives the public half of %s as a new KeyObject', (_name, key) => {
    const detached = detachedPublicKey(key);
    expect(detached).not.toBe(key);
    expect(detached.type).toBe('public');
    expect(detached.equals(publicKey)).toBe(true);
    expect(detached.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('is what SigningKey reads: its public key is not derived from the KeyObject it was given', () => {
    const key = SigningKey.fromKeyObject(privateKey);
    expect(key.privateKey).toBe(privateKey);
    expect(key.publicKey.equals(publicKey)).toBe(true);
    expect(key.publicJwk()).toMatchObject(detachedPublicKey(publicKey).export({ format: 'jwk' }));
  });

  it('gives SigningKey.generate a private key re-parsed from DER that signs and verifies', () => {
    const key = SigningKey.generate();
    expect(key.privateKey.type).toBe('private');
    expect(createPublicKey(key.privateKey).equals(key.publicKey)).toBe(true);
  });
});
