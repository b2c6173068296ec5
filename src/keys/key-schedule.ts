import { isValid } from 'date-fns/isValid';
import { parseISO } from 'date-fns/parseISO';
import { MAX_EXPIRES_IN_SECONDS } from '../constants';
import { InvalidClaimError, InvalidKeyScheduleError, NoSigningKeyError } from '../errors';
import { assertKnownOptions, functionOption, wholeNumberOption } from '../option-checks';
import { describe, formatDistanceStrict, readClock, systemClock, type Clock } from '../time';
import type { Jwks } from './jwk';
import { KeyRing } from './key-ring';
import { checkSigner, looksLikeSigner, type Signer } from './signer';
import { readKeyScheduleFile } from './key-schedule-file';
import { SigningKey } from './signing-key';

/**
 * Default `publishLeadSeconds` of a {@link KeySchedule}: 25 hours. The gateway caches its issuers'
 * JWKS for 24 hours and does not refetch on an unknown `kid`, so a key must be published a day
 * (plus a margin) before it signs.
 *
 * @example
 * ```ts
 * DEFAULT_PUBLISH_LEAD_SECONDS / 3600; // 25
 * ```
 */
export const DEFAULT_PUBLISH_LEAD_SECONDS = 25 * 3600;

/**
 * Default `retireAfterSeconds` of a {@link KeySchedule}: the longest lifetime a token can be
 * minted with (`MAX_EXPIRES_IN_SECONDS`, one day) plus 5 minutes, so a key stays published until
 * the last token it signed has expired.
 *
 * @example
 * ```ts
 * DEFAULT_RETIRE_AFTER_SECONDS; // 86700
 * ```
 */
export const DEFAULT_RETIRE_AFTER_SECONDS = MAX_EXPIRES_IN_SECONDS + 300;

const MAX_WINDOW_SECONDS = 31_536_000;

/**
 * One key of a {@link KeySchedule} and the time it starts signing.
 *
 * @example
 * ```ts
 * const entry: KeyScheduleEntry = { key: SigningKey.fromPem(pem), activatesAt: '2026-12-01T00:00:00Z' };
 * ```
 */
export interface KeyScheduleEntry<K extends Signer = SigningKey> {
  /** The key: a `SigningKey` or any other `Signer` (an HSM or KMS key). */
  readonly key: K;
  /**
   * When it starts signing: a `Date`, or an ISO 8601 time with a zone (`Z` or `±hh:mm`), so that
   * every machine of a fleet reads the same instant whatever its local time zone.
   */
  readonly activatesAt: Date | string;
}

/**
 * Options of `new KeySchedule(entries, options)`.
 *
 * @example
 * ```ts
 * const options: KeyScheduleOptions = { publishLeadSeconds: 25 * 3600, retireAfterSeconds: 3900 };
 * ```
 */
export interface KeyScheduleOptions {
  /**
   * How long before it activates a key is published, in whole seconds (0 to 31536000). Default
   * 25 hours: receivers that cache the JWKS for a day (the gateway) must have fetched it.
   */
  publishLeadSeconds?: number | undefined;
  /**
   * How long after it stops signing a key stays published, in whole seconds (0 to 31536000).
   * Default `MAX_EXPIRES_IN_SECONDS + 300`: the longest token lifetime plus 5 minutes.
   */
  retireAfterSeconds?: number | undefined;
  /** The clock the methods use when they are given no time. Default: the real one. */
  now?: Clock | undefined;
}

/**
 * What happens to a key at a point of a {@link KeySchedule}: it appears in the JWKS (`publish`),
 * starts signing (`activate`), or leaves the JWKS (`retire`).
 *
 * @example
 * ```ts
 * const type: KeyScheduleEventType = 'activate';
 * ```
 */
export type KeyScheduleEventType = 'publish' | 'activate' | 'retire';

/**
 * One event of {@link KeySchedule.timeline}.
 *
 * @example
 * ```ts
 * const event: KeyScheduleEvent = schedule.timeline()[0]!; // { type: 'publish', at, kid }
 * ```
 */
export interface KeyScheduleEvent {
  readonly type: KeyScheduleEventType;
  readonly at: Date;
  readonly kid: string;
}

/**
 * An entry of a {@link KeySchedule} after validation: its time as a `Date`.
 *
 * @example
 * ```ts
 * schedule.entries.map(({ key, activatesAt }) => `${key.kid} ${activatesAt.toISOString()}`);
 * ```
 */
export interface ScheduledKey<K extends Signer = SigningKey> {
  readonly key: K;
  readonly activatesAt: Date;
}

// The schedule is constant between two consecutive event times: one precomputed phase each, so a
// lookup is a range check (and a binary search when the time moved to another phase).
interface Phase<K extends Signer> {
  readonly startMs: number;
  readonly endMs: number;
  readonly signing: K | undefined;
  readonly ring: KeyRing<K> | undefined;
  readonly jwks: Jwks;
}

const OPTION_NAMES: readonly string[] = ['publishLeadSeconds', 'retireAfterSeconds', 'now'];
const EVENT_ORDER: Readonly<Record<KeyScheduleEventType, number>> = {
  publish: 0,
  activate: 1,
  retire: 2,
};
/** An ISO 8601 date and time with a zone: what every machine of a fleet reads the same way. */
export const ISO_WITH_ZONE =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * A time-based plan of signing keys, which every process of a fleet evaluates alone and agrees
 * on: entry *i* signs from its `activatesAt` until the next entry's, and is published (in the
 * JWKS) from `publishLeadSeconds` before it activates until `retireAfterSeconds` after it stops
 * signing. The last entry signs until a later one is added.
 *
 * This is how to rotate keys for receivers that cache the JWKS and never refetch on an unknown
 * `kid` (the gateway caches it for 24 hours): a new key is in every receiver's cache before the
 * first token it signs, and an old key stays until the last token it signed has expired.
 *
 * Pass a schedule wherever keys are taken (`new AiAccessToken({ signingKey: schedule })`,
 * `new AiAccessTokenIssuer({ signingKey: schedule })`, `createDiscoveryHandler({ keys: schedule })`);
 * each evaluates it at its own clock. Entries are validated, and every phase of the plan
 * precomputed, once, here.
 *
 * @throws {@link InvalidKeyScheduleError} naming the entry at fault.
 * @throws {@link InvalidClaimError} naming the option at fault.
 * @example
 * ```ts
 * import { KeySchedule, SigningKey, createDiscoveryHandler, AiAccessTokenIssuer } from 'ai-access-token';
 *
 * const schedule = new KeySchedule([
 *   { key: SigningKey.fromPem(currentPem), activatesAt: '2026-01-01T00:00:00Z' },
 *   { key: SigningKey.fromPem(nextPem), activatesAt: '2026-12-01T00:00:00Z' },
 * ]);
 * const issuer = new AiAccessTokenIssuer({ issuer: 'https://gitlab.example.com', signingKey: schedule });
 * const handler = createDiscoveryHandler({ issuer: 'https://gitlab.example.com', keys: schedule });
 * ```
 */
export class KeySchedule<K extends Signer = SigningKey> {
  /** The entries, in order of activation. */
  readonly entries: readonly ScheduledKey<K>[];
  /** How long before it activates a key is published, in seconds. */
  readonly publishLeadSeconds: number;
  /** How long after it stops signing a key stays published, in seconds. */
  readonly retireAfterSeconds: number;
  readonly #now: Clock;
  readonly #phases: readonly Phase<K>[];
  readonly #events: readonly KeyScheduleEvent[];
  #lastPhase: Phase<K>;

  constructor(entries: readonly KeyScheduleEntry<K>[], options: KeyScheduleOptions = {}) {
    assertKnownOptions(options, OPTION_NAMES);
    this.publishLeadSeconds = wholeNumberOption(
      'publishLeadSeconds',
      options.publishLeadSeconds,
      DEFAULT_PUBLISH_LEAD_SECONDS,
      0,
      MAX_WINDOW_SECONDS,
      'seconds',
    );
    this.retireAfterSeconds = wholeNumberOption(
      'retireAfterSeconds',
      options.retireAfterSeconds,
      DEFAULT_RETIRE_AFTER_SECONDS,
      0,
      MAX_WINDOW_SECONDS,
      'seconds',
    );
    this.#now = functionOption('now', options.now) ?? systemClock;
    this.entries = Object.freeze(validateEntries<K>(entries));
    this.#events = Object.freeze(buildEvents(this.entries, this));
    this.#phases = Object.freeze(buildPhases(this.entries, this.#events, this));
    // buildPhases always returns at least the phase before the first event.
    this.#lastPhase = this.#phases[0] as Phase<K>;
    Object.freeze(this);
  }

  /**
   * Reads a schedule file: a JSON array of `{ "file": "keys/2026-12.pem", "activatesAt":
   * "2026-12-01T00:00:00Z" }`, each `file` a PEM private key, relative to the schedule file's
   * directory (or absolute).
   *
   * @throws {@link InvalidKeyScheduleError} naming the file and the entry at fault.
   * @example
   * ```ts
   * const schedule = KeySchedule.fromFile('/etc/ai-gateway/key-schedule.json');
   * ```
   */
  static fromFile(path: string, options: KeyScheduleOptions = {}): KeySchedule {
    const entries = readKeyScheduleFile(path);
    try {
      return new KeySchedule(entries, options);
    } catch (error) {
      if (!(error instanceof InvalidKeyScheduleError)) throw error;
      throw new InvalidKeyScheduleError(
        error.reason,
        `key schedule ${JSON.stringify(path)}: ${error.message}`,
        { entry: error.entry, cause: error },
      );
    }
  }

  /**
   * The key that signs at `at` (default: the schedule's clock).
   *
   * @throws {@link NoSigningKeyError} before the first entry activates; the message says when it does.
   * @example
   * ```ts
   * schedule.signingKeyAt(new Date('2026-12-01T00:00:00Z')).kid;
   * ```
   */
  signingKeyAt(at?: Date): K {
    const ms = this.#ms(at);
    return this.#phaseAt(ms).signing ?? this.#noSigningKey(ms);
  }

  /**
   * Whether a key signs at `at` (default: the schedule's clock), that is, whether
   * {@link KeySchedule.signingKeyAt} would return one rather than throw.
   *
   * @example
   * ```ts
   * if (!schedule.signsAt()) console.warn('no key signs yet');
   * ```
   */
  signsAt(at?: Date): boolean {
    return this.#phaseAt(this.#ms(at)).signing !== undefined;
  }

  /**
   * The ring at `at` (default: the schedule's clock): the signing key as `current`, every other
   * published key (the next one ahead of its activation, old ones until they retire) as
   * `previous`. The same `KeyRing` object for every time between two events of the timeline.
   *
   * @throws {@link NoSigningKeyError} before the first entry activates.
   * @example
   * ```ts
   * const ring = schedule.ringAt();
   * ring.current.kid; // the signing key's kid
   * ```
   */
  ringAt(at?: Date): KeyRing<K> {
    const ms = this.#ms(at);
    return this.#phaseAt(ms).ring ?? this.#noSigningKey(ms);
  }

  /**
   * The JWKS to publish at `at` (default: the schedule's clock): every published key, the signing
   * one first. Before the first activation it already holds the keys published ahead of it (and
   * is empty before the first publication). The same object between two events.
   *
   * @example
   * ```ts
   * res.json(schedule.jwksAt());
   * ```
   */
  jwksAt(at?: Date): Jwks {
    return this.#phaseAt(this.#ms(at)).jwks;
  }

  /**
   * Every event of the plan in time order: when each key is published, activates and retires
   * (the last key never retires). Events at the same time are listed publish, activate, retire.
   *
   * @example
   * ```ts
   * for (const { type, at, kid } of schedule.timeline()) console.log(at.toISOString(), type, kid);
   * ```
   */
  timeline(): KeyScheduleEvent[] {
    return [...this.#events];
  }

  #ms(at: Date | undefined): number {
    const date = at ?? readClock(this.#now);
    const ms = date instanceof Date ? date.getTime() : NaN;
    if (Number.isNaN(ms)) {
      throw new InvalidClaimError('at', `at must be a valid Date; got ${describe(date)}`);
    }
    return ms;
  }

  #phaseAt(ms: number): Phase<K> {
    const last = this.#lastPhase;
    if (ms >= last.startMs && ms < last.endMs) return last;
    const phases = this.#phases;
    let low = 0;
    let high = phases.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((phases[middle] as Phase<K>).startMs <= ms) low = middle;
      else high = middle - 1;
    }
    const phase = phases[low] as Phase<K>;
    this.#lastPhase = phase;
    return phase;
  }

  #noSigningKey(ms: number): never {
    const first = this.entries[0] as ScheduledKey<K>;
    const at = new Date(ms);
    throw new NoSigningKeyError(
      `no signing key at ${at.toISOString()}: the key schedule's first key (kid ${first.key.kid}) activates at ${first.activatesAt.toISOString()} (${formatDistanceStrict(first.activatesAt, at, { addSuffix: true })})`,
    );
  }
}

function validateEntries<K extends Signer>(entries: unknown): ScheduledKey<K>[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new InvalidKeyScheduleError(
      'empty',
      `a key schedule needs a non-empty array of { key, activatesAt } entries; got ${describe(entries)}`,
    );
  }
  const kids = new Map<string, number>();
  const times = new Map<number, number>();
  const result: ScheduledKey<K>[] = [];
  (entries as unknown[]).forEach((entry, index) => {
    const name = `entries[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      throw new InvalidKeyScheduleError(
        'invalid-entry',
        `${name} must be an object { key, activatesAt }; got ${describe(entry)}`,
        { entry: index },
      );
    }
    const { key, activatesAt } = entry as Record<string, unknown>;
    if (!(key instanceof SigningKey) && !isCheckedSigner(key)) {
      throw new InvalidKeyScheduleError(
        'invalid-key',
        `${name}.key must be a SigningKey or a Signer; got ${describe(key)}`,
        { entry: index },
      );
    }
    const time = parseActivation(name, index, activatesAt);
    const sameKey = kids.get(key.kid);
    if (sameKey !== undefined) {
      throw new InvalidKeyScheduleError(
        'duplicate-kid',
        `${name}.key is the key of entries[${sameKey}] (kid ${key.kid}); each key may appear once`,
        { entry: index },
      );
    }
    const sameTime = times.get(time.getTime());
    if (sameTime !== undefined) {
      throw new InvalidKeyScheduleError(
        'duplicate-time',
        `${name}.activatesAt (${time.toISOString()}) is the time of entries[${sameTime}]; two keys cannot activate at once`,
        { entry: index },
      );
    }
    kids.set(key.kid, index);
    times.set(time.getTime(), index);
    result.push(Object.freeze({ key: key as K, activatesAt: time }));
  });
  return result.sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime());
}

function parseActivation(name: string, index: number, value: unknown): Date {
  let date: Date | undefined;
  if (value instanceof Date) {
    date = isValid(value) ? new Date(value.getTime()) : undefined;
  } else if (typeof value === 'string' && ISO_WITH_ZONE.test(value)) {
    date = parseISO(value);
    if (!isValid(date)) date = undefined;
  }
  if (date === undefined) {
    throw new InvalidKeyScheduleError(
      'invalid-time',
      `${name}.activatesAt must be a valid Date or an ISO 8601 time with a zone, such as "2026-12-01T00:00:00Z"; got ${describe(value)}`,
      { entry: index },
    );
  }
  return date;
}

interface Windows {
  readonly publishLeadSeconds: number;
  readonly retireAfterSeconds: number;
}

// Entry i is published during [publishFrom, retireAt); the last one never retires.
function window(
  entries: readonly ScheduledKey<Signer>[],
  index: number,
  { publishLeadSeconds, retireAfterSeconds }: Windows,
): { publishMs: number; activateMs: number; retireMs: number } {
  const activateMs = (entries[index] as ScheduledKey<Signer>).activatesAt.getTime();
  const next = entries[index + 1];
  return {
    publishMs: activateMs - publishLeadSeconds * 1000,
    activateMs,
    retireMs:
      next === undefined ? Infinity : next.activatesAt.getTime() + retireAfterSeconds * 1000,
  };
}

function buildEvents(
  entries: readonly ScheduledKey<Signer>[],
  windows: Windows,
): KeyScheduleEvent[] {
  const events: KeyScheduleEvent[] = [];
  entries.forEach(({ key }, index) => {
    const { publishMs, activateMs, retireMs } = window(entries, index, windows);
    events.push({ type: 'publish', at: new Date(publishMs), kid: key.kid });
    events.push({ type: 'activate', at: new Date(activateMs), kid: key.kid });
    if (retireMs !== Infinity)
      events.push({ type: 'retire', at: new Date(retireMs), kid: key.kid });
  });
  return events
    .sort((a, b) => a.at.getTime() - b.at.getTime() || EVENT_ORDER[a.type] - EVENT_ORDER[b.type])
    .map((event) => Object.freeze(event));
}

function buildPhases<K extends Signer>(
  entries: readonly ScheduledKey<K>[],
  events: readonly KeyScheduleEvent[],
  windows: Windows,
): Phase<K>[] {
  const spans = entries.map((_, index) => window(entries, index, windows));
  const starts = [-Infinity, ...new Set(events.map((event) => event.at.getTime()))];
  return starts.map((startMs, index) => {
    const endMs = starts[index + 1] ?? Infinity;
    let signing: K | undefined;
    const published: K[] = [];
    entries.forEach(({ key }, entry) => {
      const span = spans[entry] as (typeof spans)[number];
      if (span.activateMs <= startMs) signing = key;
      if (span.publishMs <= startMs && startMs < span.retireMs) published.push(key);
    });
    // Newest first, like KeyRing.previous: the next key ahead of the ones retiring.
    const others = published.filter((key) => key !== signing).reverse();
    const ring = signing === undefined ? undefined : new KeyRing(signing, others);
    const jwks: Jwks = Object.freeze(
      ring?.jwks() ?? { keys: others.map((key) => key.publicJwk()) },
    );
    return Object.freeze({ startMs, endMs, signing, ring, jwks });
  });
}

function isCheckedSigner(value: unknown): value is Signer {
  if (!looksLikeSigner(value)) return false;
  try {
    checkSigner(value);
    return true;
  } catch {
    return false;
  }
}
