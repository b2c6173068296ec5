import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoSigningKeyError } from '../../src/errors';
import {
  defaultSigningKeyAt,
  keySourceFromEnv,
  keySourceFromEnvOrNull,
} from '../../src/keys/env-key-source';
import { KeySchedule } from '../../src/keys/key-schedule';
import { testKey } from '../helpers/keys';

const a = testKey('a');
const b = testKey('b');
const single = testKey('single');
const T1 = new Date('2026-12-01T00:00:00Z');

let dir: string;
let scheduleFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-env-schedule-'));
  writeFileSync(join(dir, 'a.pem'), a.toPem());
  writeFileSync(join(dir, 'b.pem'), b.toPem());
  scheduleFile = join(dir, 'schedule.json');
  writeFileSync(
    scheduleFile,
    JSON.stringify([
      { file: 'a.pem', activatesAt: '2026-01-01T00:00:00Z' },
      { file: 'b.pem', activatesAt: T1.toISOString() },
    ]),
  );
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the environment key source', () => {
  it('AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE comes first, before a single key variable', () => {
    const env = {
      AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE: scheduleFile,
      AI_ACCESS_TOKEN_SIGNING_KEY: single.toPem(),
    };
    const source = keySourceFromEnv(env);
    expect(source).toBeInstanceOf(KeySchedule);
    // Read once per path: the same schedule object every time.
    expect(keySourceFromEnvOrNull(env)).toBe(source);
    expect(defaultSigningKeyAt(new Date(T1.getTime() - 1), env).kid).toBe(a.kid);
    expect(defaultSigningKeyAt(T1, env).kid).toBe(b.kid);
  });

  it('falls back to the single key variables when no schedule is named', () => {
    const env = {
      AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE: '',
      AI_ACCESS_TOKEN_SIGNING_KEY: single.toPem(),
    };
    expect((keySourceFromEnv(env) as { kid: string }).kid).toBe(single.kid);
    expect(defaultSigningKeyAt(T1, env).kid).toBe(single.kid);
    expect(keySourceFromEnvOrNull({})).toBeNull();
  });

  it('names all three variables when none is set', () => {
    expect(() => keySourceFromEnv({})).toThrow(NoSigningKeyError);
    expect(() => defaultSigningKeyAt(T1, {})).toThrow(
      'set AI_ACCESS_TOKEN_SIGNING_KEY (PEM text), AI_ACCESS_TOKEN_SIGNING_KEY_FILE (path to a PEM file) or AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE (path to a key schedule)',
    );
  });

  it('before the schedule first activates, says when it will', () => {
    const env = { AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE: scheduleFile };
    expect(() => defaultSigningKeyAt(new Date('2025-12-31T00:00:00Z'), env)).toThrow(
      /first key .* activates at 2026-01-01T00:00:00.000Z \(in 1 day\)/,
    );
  });
});
