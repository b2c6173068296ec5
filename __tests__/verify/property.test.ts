import fc from 'fast-check';
import { TokenVerificationError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import type { VerifyAiAccessTokenOptions } from '../../src/verify/verify-options';
import { testKey } from '../helpers/keys';

const key = testKey('current');
const options: VerifyAiAccessTokenOptions = {
  keys: new KeyRing(key, [testKey('previous')]).jwks(),
  now: () => new Date('2026-01-01T00:10:00Z'),
};
const valid = new AiAccessToken({
  subject: 'user-42',
  scopes: ['code_suggestions', 'duo_chat'],
  issuer: 'https://gitlab.example.com',
  signingKey: key,
  now: () => new Date('2026-01-01T00:00:00Z'),
}).encoded();

/** Verifies; true when accepted, false when refused with TokenVerificationError, else throws. */
function outcome(token: unknown): boolean {
  try {
    verifyAiAccessToken(token, options);
    return true;
  } catch (error) {
    if (error instanceof TokenVerificationError) return false;
    throw error;
  }
}

const NUM_RUNS = 300;

describe('verifyAiAccessToken never throws anything but TokenVerificationError', () => {
  it('accepts the untouched token', () => {
    expect(outcome(valid)).toBe(true);
  });

  it('refuses arbitrary values and strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.stringMatching(/^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/),
          fc.anything(),
        ),
        (input) => {
          expect(outcome(input)).toBe(false);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('refuses every byte mutation of a valid token', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: valid.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, delta) => {
          const code = (valid.charCodeAt(index) + delta) % 256;
          const mutated =
            valid.slice(0, index) + String.fromCharCode(code) + valid.slice(index + 1);
          fc.pre(mutated !== valid);
          expect(outcome(mutated)).toBe(false);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('refuses insertions and deletions', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: valid.length }),
        fc.nat({ max: 8 }),
        fc.string({ maxLength: 8 }),
        (index, deleteCount, insert) => {
          const mutated = valid.slice(0, index) + insert + valid.slice(index + deleteCount);
          fc.pre(mutated !== valid);
          expect(outcome(mutated)).toBe(false);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('refuses segment swaps, duplicates and drops', () => {
    const segments = valid.split('.');
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 2 }), { minLength: 0, maxLength: 5 }), (order) => {
        const mutated = order.map((index) => segments[index]).join('.');
        fc.pre(mutated !== valid);
        expect(outcome(mutated)).toBe(false);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('refuses re-signed payloads of random JSON without the right claims', () => {
    const [header] = valid.split('.') as [string];
    fc.assert(
      fc.property(fc.jsonValue(), (payload) => {
        const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
        expect(outcome(`${header}.${encoded}.${valid.split('.')[2]!}`)).toBe(false);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
