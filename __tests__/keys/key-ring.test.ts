import { InvalidSigningKeyError } from '../../src/errors';
import { KeyRing, jwks } from '../../src/keys/key-ring';
import { testKey } from '../helpers/keys';

const a = testKey('a');
const b = testKey('b');
const c = testKey('c');

describe('KeyRing', () => {
  it('signs with current and publishes every key, current first', () => {
    const ring = new KeyRing(a, [b, c]);
    expect(ring.current).toBe(a);
    expect(ring.keys.map((key) => key.kid)).toEqual([a.kid, b.kid, c.kid]);
    expect(ring.jwks()).toEqual({ keys: [a.publicJwk(), b.publicJwk(), c.publicJwk()] });
  });

  it('drops duplicates, including the current key listed again as previous', () => {
    const ring = new KeyRing(a, [a, b, b]);
    expect(ring.keys.map((key) => key.kid)).toEqual([a.kid, b.kid]);
  });

  it('finds a key by kid', () => {
    const ring = new KeyRing(a, [b]);
    expect(ring.find(b.kid)).toBe(b);
    expect(ring.find('unknown')).toBeUndefined();
  });

  it('rotates: the next key signs, the old current still verifies, older keys are dropped', () => {
    const first = new KeyRing(a);
    const second = first.rotate(b);
    const third = second.rotate(c);
    expect(second.current).toBe(b);
    expect(second.previous).toEqual([a]);
    expect(third.keys).toEqual([c, b]);
    expect(first.keys).toEqual([a]); // rings are immutable
  });

  it.each([
    ['a non-key current', () => new KeyRing('pem' as never)],
    ['a non-array previous', () => new KeyRing(a, b as never)],
    ['a non-key previous', () => new KeyRing(a, ['pem' as never])],
  ])('refuses %s', (_name, fn) => {
    expect(fn).toThrow(InvalidSigningKeyError);
  });
});

describe('jwks()', () => {
  it('builds the document from loose keys and rings without duplicates', () => {
    expect(jwks(a, new KeyRing(b, [a]), c)).toEqual({
      keys: [a.publicJwk(), b.publicJwk(), c.publicJwk()],
    });
  });

  it('never publishes private members', () => {
    const text = JSON.stringify(jwks(a, b));
    for (const member of ['"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"']) {
      expect(text).not.toContain(member);
    }
  });

  it('refuses something that is not a key', () => {
    expect(() => jwks({} as never)).toThrow(InvalidSigningKeyError);
  });
});
