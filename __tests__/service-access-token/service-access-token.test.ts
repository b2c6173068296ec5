import { inspect } from 'node:util';
import { ServiceAccessToken } from '../../src/service-access-token/service-access-token';
import { HOUR, T0, at } from './store-contract';

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl';

describe('ServiceAccessToken', () => {
  const token = new ServiceAccessToken({ token: SECRET, expiresAt: at(HOUR) });

  it('exposes the token and its expiry', () => {
    expect(token.token).toBe(SECRET);
    expect(token.expiresAt).toEqual(at(HOUR));
  });

  it('cannot be changed through the Date it returns', () => {
    token.expiresAt.setTime(0);
    expect(token.expiresAt).toEqual(at(HOUR));
  });

  it('is expired after expiresAt, active before, and neither at exactly expiresAt', () => {
    expect([token.isExpired(at(HOUR - 1)), token.isActive(at(HOUR - 1))]).toEqual([false, true]);
    expect([token.isExpired(at(HOUR)), token.isActive(at(HOUR))]).toEqual([false, false]);
    expect([token.isExpired(at(HOUR + 1)), token.isActive(at(HOUR + 1))]).toEqual([true, false]);
  });

  it('uses the real time by default', () => {
    expect(
      new ServiceAccessToken({ token: 't', expiresAt: new Date(Date.now() - 1000) }).isExpired(),
    ).toBe(true);
    expect(
      new ServiceAccessToken({ token: 't', expiresAt: new Date(Date.now() + HOUR) }).isActive(),
    ).toBe(true);
  });

  it.each([
    ['JSON.stringify', () => JSON.stringify(token)],
    ['String()', () => String(token)],
    ['util.inspect', () => inspect(token)],
    ['util.inspect nested', () => inspect({ nested: [token] }, { depth: 5 })],
    // Deliberately: a spread copies own enumerable properties, and the token is not one.
    // eslint-disable-next-line @typescript-eslint/no-misused-spread
    ['Object spread', () => JSON.stringify({ ...token })],
  ])('never prints the token: %s', (_label, print) => {
    const printed = print();
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain('c2VjcmV0');
  });

  it('prints a redacted form with the expiry', () => {
    expect(JSON.parse(JSON.stringify(token))).toEqual({
      token: '[REDACTED]',
      expiresAt: at(HOUR).toISOString(),
    });
    expect(inspect(token)).toContain('[REDACTED]');
    expect(inspect(token)).toContain(at(HOUR).toISOString());
  });

  it.each([
    ['an empty token', { token: '', expiresAt: T0 }, 'token'],
    ['a token that is not a string', { token: Buffer.from('x'), expiresAt: T0 }, 'token'],
    ['an Invalid Date', { token: 't', expiresAt: new Date('nope') }, 'expiresAt'],
    ['a missing expiresAt', { token: 't' }, 'expiresAt'],
    ['a number as expiresAt', { token: 't', expiresAt: 0 }, 'expiresAt'],
    ['undefined', undefined, 'token'],
  ])('refuses %s', (_label, init, option) => {
    expect(() => new ServiceAccessToken(init as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_SERVICE_ACCESS_TOKEN', option }),
    );
  });

  it('does not put a long token in the error message', () => {
    const long = 'x'.repeat(500);
    try {
      new ServiceAccessToken({ token: long, expiresAt: 'soon' as never });
    } catch (error) {
      expect((error as Error).message).not.toContain(long);
    }
    expect.assertions(1);
  });

  it.each([[new Date(Number.NaN)], ['now']])('refuses %p as now', (now) => {
    expect(() => token.isExpired(now as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_SERVICE_ACCESS_TOKEN', option: 'now' }),
    );
    expect(() => token.isActive(now as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_SERVICE_ACCESS_TOKEN', option: 'now' }),
    );
  });
});
