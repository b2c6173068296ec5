import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { SigningKey } from '../../src/keys/signing-key';

// RSA key generation takes ~100 ms; each test file generates what it needs once.
const cache = new Map<string, SigningKey>();

/** A real RSA-2048 signing key, generated once per name per test file. */
export function testKey(name = 'default'): SigningKey {
  let key = cache.get(name);
  if (key === undefined) {
    key = SigningKey.generate();
    cache.set(name, key);
  }
  return key;
}

/**
 * Real key pairs of kinds that must be refused as signing keys. Parsed again from DER: on Node 20,
 * reading the JWK of a key fresh from generateKeyPairSync can deadlock (see
 * src/keys/detached-public-key.ts), and tests read them.
 */
export function rsaKeyPair(modulusLength: number): { privateKey: KeyObject; publicKey: KeyObject } {
  return reparsed(
    generateKeyPairSync('rsa', {
      modulusLength,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    }),
  );
}

/** An EC P-256 key pair, parsed again from DER like {@link rsaKeyPair}. */
export function ecKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return reparsed(
    generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    }),
  );
}

function reparsed(pair: { privateKey: Buffer; publicKey: Buffer }): {
  privateKey: KeyObject;
  publicKey: KeyObject;
} {
  return {
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
  };
}

/** Splits a JWT and decodes its header and payload, independently of the package's own code. */
export function decodeParts(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
} {
  const [header, payload, signature, ...rest] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) {
    throw new Error('not a JWS compact serialisation');
  }
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >,
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}
