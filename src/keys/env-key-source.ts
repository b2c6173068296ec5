// The keys the environment configures when no signing key is given: a key schedule file first,
// then a single key (PEM text, then a PEM file).
import { ENV_KEY_SCHEDULE_FILE } from '../constants';
import { KeySchedule } from './key-schedule';
import { defaultSigningKey, SigningKey, signingKeyFromEnvOrNull } from './signing-key';

// Read once per path per process, like the single key file: minting must not read files.
const scheduleCache = new Map<string, KeySchedule>();

/** The schedule `AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE` names (read once per path), or `null`. */
export function keyScheduleFromEnvOrNull(env: NodeJS.ProcessEnv): KeySchedule | null {
  const file = env[ENV_KEY_SCHEDULE_FILE];
  if (file === undefined || file === '') return null;
  let schedule = scheduleCache.get(file);
  if (schedule === undefined) {
    schedule = KeySchedule.fromFile(file);
    scheduleCache.set(file, schedule);
  }
  return schedule;
}

/** The environment's schedule, else its single key, else `null`. */
export function keySourceFromEnvOrNull(env: NodeJS.ProcessEnv): SigningKey | KeySchedule | null {
  return keyScheduleFromEnvOrNull(env) ?? signingKeyFromEnvOrNull(env);
}

/**
 * The environment's schedule, else its single key.
 *
 * @throws {@link NoSigningKeyError} when it configures neither.
 */
export function keySourceFromEnv(env: NodeJS.ProcessEnv = process.env): SigningKey | KeySchedule {
  return keyScheduleFromEnvOrNull(env) ?? SigningKey.fromEnv(env);
}

/**
 * The key the environment has signing at `at`: its schedule's, else its single key.
 *
 * @throws {@link NoSigningKeyError} when it configures none, or its schedule has none active yet.
 */
export function defaultSigningKeyAt(at: Date, env: NodeJS.ProcessEnv = process.env): SigningKey {
  const schedule = keyScheduleFromEnvOrNull(env);
  return schedule === null ? defaultSigningKey(env) : schedule.signingKeyAt(at);
}
