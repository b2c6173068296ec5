import { SigningKey } from '../../src/keys/signing-key';
import { generateTestSigningKey } from '../../src/testing/test-signing-key';

describe('generateTestSigningKey', () => {
  test('is an RSA-2048 SigningKey', () => {
    const key = generateTestSigningKey();
    expect(key).toBeInstanceOf(SigningKey);
    expect(key.modulusLength).toBe(2048);
    expect(key.privateKey.asymmetricKeyType).toBe('rsa');
  });

  test('is generated once and then reused: the same object on every call', () => {
    const first = generateTestSigningKey();
    const second = generateTestSigningKey();
    expect(second).toBe(first);
    expect(second.kid).toBe(first.kid);
  });

  test('is a key of its own, not the key of another process', () => {
    // A fresh module registry stands for a fresh process: it generates a different key.
    jest.isolateModules(() => {
      const isolated = jest.requireActual<{ generateTestSigningKey: () => SigningKey }>(
        '../../src/testing/test-signing-key',
      );
      const fresh = isolated.generateTestSigningKey();
      expect(fresh.kid).not.toBe(generateTestSigningKey().kid);
    });
  });
});
