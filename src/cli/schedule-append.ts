// keygen's schedule step: appends a new key file to a key schedule file. Kept apart from the code
// that writes the key itself.
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { formatDistanceStrict } from 'date-fns/formatDistanceStrict';
import { InvalidKeyScheduleError } from '../errors';
import { parseISO } from 'date-fns/parseISO';
import { DEFAULT_PUBLISH_LEAD_SECONDS, ISO_WITH_ZONE, KeySchedule } from '../keys/key-schedule';
import { readKeyScheduleEntries, type KeyScheduleFileEntry } from '../keys/key-schedule-file';
import { describe } from '../time';
import { CliFailure, CliUsageError } from './cli-errors';
import { spanOfSeconds } from './schedule-safety';

const UNIT_MS: Readonly<Record<string, number>> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
};

/**
 * The activation time given by `--activates-at ISO` or `--activates-in 48h` (units d, h, m, s,
 * combinable: `2d12h`), which must be in the future.
 *
 * @throws {@link CliUsageError} naming the flag.
 * @example
 * ```ts
 * activationTime({ in: '48h' }, new Date()); // two days from now
 * ```
 */
export function activationTime(
  given: { at?: string | undefined; in?: string | undefined },
  now: Date,
): Date {
  if (given.at !== undefined && given.in !== undefined) {
    throw new CliUsageError('pass either --activates-at or --activates-in, not both');
  }
  let time: Date;
  if (given.at !== undefined) {
    time = ISO_WITH_ZONE.test(given.at) ? parseISO(given.at) : new Date(NaN);
    if (Number.isNaN(time.getTime())) {
      throw new CliUsageError(
        `--activates-at must be an ISO 8601 time with a zone, such as 2026-12-01T00:00:00Z; got ${describe(given.at)}`,
      );
    }
  } else {
    const text = given.in ?? '';
    if (!/^(?:\d+[dhms])+$/.test(text)) {
      throw new CliUsageError(
        `--activates-in must be a duration such as 48h, 2d or 1d12h (units d, h, m, s); got ${describe(given.in)}`,
      );
    }
    let ms = 0;
    for (const [, count, unit] of text.matchAll(/(\d+)([dhms])/g)) {
      ms += Number(count) * (UNIT_MS[unit as string] as number);
    }
    time = new Date(now.getTime() + ms);
  }
  if (time.getTime() <= now.getTime()) {
    throw new CliUsageError(
      `the new key must activate in the future (it would sign before any receiver knows it); got ${time.toISOString()}`,
    );
  }
  return time;
}

/**
 * Checks that `schedulePath` (if it exists) is a valid schedule that can take a key activating
 * at `activatesAt`, before any key is generated; returns the step that appends the key file.
 *
 * @throws {@link InvalidKeyScheduleError} when the existing schedule is invalid or already has a
 * key activating at that time.
 * @example
 * ```ts
 * const append = prepareScheduleAppend('key-schedule.json', activatesAt);
 * // ... write keys/next.pem ...
 * append('keys/next.pem');
 * ```
 */
export function prepareScheduleAppend(
  schedulePath: string,
  activatesAt: Date,
): (keyPath: string) => KeyScheduleFileEntry {
  const exists = existsSync(schedulePath);
  // Loading the whole schedule checks every existing entry and key, not only the file's shape.
  const entries = exists ? readKeyScheduleEntries(schedulePath) : [];
  if (exists) KeySchedule.fromFile(schedulePath);
  const iso = activatesAt.toISOString();
  const clash = entries.findIndex(
    (entry) => parseISO(entry.activatesAt).getTime() === activatesAt.getTime(),
  );
  if (clash !== -1) {
    throw new InvalidKeyScheduleError(
      'duplicate-time',
      `key schedule ${JSON.stringify(schedulePath)}: entries[${clash}] already activates at ${iso}`,
      { entry: clash },
    );
  }
  return (keyPath) => {
    const base = dirname(resolve(schedulePath));
    const fromSchedule = relative(base, resolve(keyPath));
    const file =
      isAbsolute(fromSchedule) || fromSchedule.startsWith('..')
        ? resolve(keyPath)
        : fromSchedule.split(sep).join('/');
    const entry = { file, activatesAt: iso };
    writeAtomically(schedulePath, `${JSON.stringify([...entries, entry], null, 2)}\n`);
    return entry;
  };
}

/**
 * A warning when `activatesAt` is closer than the default publish lead, or `undefined`.
 *
 * @example
 * ```ts
 * const warning = leadWarning(activatesAt, new Date());
 * ```
 */
export function leadWarning(activatesAt: Date, now: Date): string | undefined {
  const leadMs = DEFAULT_PUBLISH_LEAD_SECONDS * 1000;
  if (activatesAt.getTime() - now.getTime() >= leadMs) return undefined;
  return `warning: the key activates ${formatDistanceStrict(activatesAt, now, { addSuffix: true })}, less than ${spanOfSeconds(DEFAULT_PUBLISH_LEAD_SECONDS)} ahead: receivers that cache the JWKS for a day (the gateway) may reject its first tokens; "keys plan" will call this schedule unsafe`;
}

// Readers (a process starting, keys plan) see the old schedule or the new one, never half of it.
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    renameSync(temporary, path);
  } catch (cause) {
    rmSync(temporary, { force: true });
    throw new CliFailure(
      `cannot write --schedule file ${JSON.stringify(path)} (${String((cause as NodeJS.ErrnoException).code)})`,
      { cause },
    );
  }
}
