import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { testKey } from '../helpers/keys';
import { thrown } from './forge';

const keyA = testKey('a');
const keyB = testKey('b');
const keyC = testKey('c');
const MINTED_AT = new Date('2026-01-01T00:00:00Z');
const now = () => new Date('2026-01-01T00:30:00Z');

function mintWith(ring: KeyRing): string {
  return new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions'],
    issuer: 'https://gitlab.example.com',
    signingKey: ring,
    now: () => MINTED_AT,
  }).encoded();
}

function verifiesWith(token: string, ring: KeyRing): boolean {
  // The receiver sees only what the issuer publishes: the JWKS, through JSON.
  const jwks = JSON.parse(JSON.stringify(ring.jwks()));
  try {
    verifyAiAccessToken(token, { keys: jwks, now });
    return true;
  } catch (error) {
    expect(error).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
    return false;
  }
}

describe('key rotation with KeyRing', () => {
  it('keeps tokens verifying across one rotation and drops them after the second', () => {
    // 1. Only A exists: A signs, A is published.
    const ring1 = new KeyRing(keyA);
    const tokenA = mintWith(ring1);
    expect(verifiesWith(tokenA, ring1)).toBe(true);

    // 2. Rotate to B: B signs new tokens, A is still published, so tokenA keeps verifying.
    const ring2 = ring1.rotate(keyB);
    expect(ring2.current).toBe(keyB);
    expect(ring2.previous).toEqual([keyA]);
    const tokenB = mintWith(ring2);
    expect(verifyAiAccessToken(tokenB, { keys: ring2, now }).header.kid).toBe(keyB.kid);
    expect(verifiesWith(tokenA, ring2)).toBe(true);
    expect(verifiesWith(tokenB, ring2)).toBe(true);
    // A receiver still holding the old JWKS does not know B yet: publish before signing.
    expect(verifiesWith(tokenB, ring1)).toBe(false);

    // 3. Rotate to C (after tokenA's lifetime): A is dropped from the ring and its tokens are refused.
    const ring3 = ring2.rotate(keyC);
    expect(ring3.keys.map((key) => key.kid)).toEqual([keyC.kid, keyB.kid]);
    const tokenC = mintWith(ring3);
    expect(verifiesWith(tokenC, ring3)).toBe(true);
    expect(verifiesWith(tokenB, ring3)).toBe(true);
    expect(verifiesWith(tokenA, ring3)).toBe(false);
    const error = thrown(() => verifyAiAccessToken(tokenA, { keys: ring3, now }));
    expect(error.message).toContain(keyA.kid);
    expect(error.message).toMatch(/rotated out/);
  });
});
