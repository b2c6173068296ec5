import { formatDistanceStrict } from 'date-fns/formatDistanceStrict';
import { formatDuration } from 'date-fns/formatDuration';
import type { KeySchedule, KeyScheduleEvent } from '../keys/key-schedule';

/**
 * What a key schedule means at one instant, and why deploying it then would be unsafe.
 *
 * @example
 * ```ts
 * const { problems } = assessSchedule(schedule, new Date());
 * ```
 */
export interface ScheduleAssessment {
  /** The kid that signs, or `undefined` before the first activation. */
  readonly signingKid: string | undefined;
  /** The kids in the JWKS, signing key first. */
  readonly publishedKids: readonly string[];
  /** The first event after the instant, if any. */
  readonly nextEvent: KeyScheduleEvent | undefined;
  /** Why deploying the schedule at the instant is unsafe; empty when it is safe. */
  readonly problems: readonly string[];
}

/**
 * Reads `schedule` at `now` and lists what makes deploying it then unsafe: no key signs yet, or
 * the next key activates less than `publishLeadSeconds` from now, so a receiver that fetched the
 * JWKS just before the deploy (the gateway keeps it for a day, whatever the kid) cannot know it.
 *
 * A gap (a time when no key signs, or when the signing key is not published) cannot happen once
 * the first key has activated: each key signs until the next activates, and is published from
 * `publishLeadSeconds` before it signs until `retireAfterSeconds` after it stops.
 *
 * @example
 * ```ts
 * assessSchedule(schedule, new Date()).problems; // [] when safe
 * ```
 */
export function assessSchedule(schedule: KeySchedule, now: Date): ScheduleAssessment {
  const nowMs = now.getTime();
  const events = schedule.timeline();
  const signingKid = activeKid(events, nowMs);
  const problems: string[] = [];
  const first = schedule.entries[0];
  if (signingKid === undefined && first !== undefined) {
    problems.push(
      `no key signs now: the first key (kid ${first.key.kid}) activates at ${first.activatesAt.toISOString()} (${formatDistanceStrict(first.activatesAt, now, { addSuffix: true })})`,
    );
  }
  const leadMs = schedule.publishLeadSeconds * 1000;
  const nextActivation = events.find(
    (event) => event.type === 'activate' && event.at.getTime() > nowMs,
  );
  if (nextActivation !== undefined && nextActivation.at.getTime() - nowMs < leadMs) {
    const since = new Date(nextActivation.at.getTime() - leadMs);
    problems.push(
      `key ${nextActivation.kid} activates at ${nextActivation.at.toISOString()}, ${formatDistanceStrict(nextActivation.at, now)} from now: less than publishLeadSeconds (${spanOfSeconds(schedule.publishLeadSeconds)}), so a receiver that fetched the JWKS just before this deploy will reject its first tokens (safe only if this key has been published since ${since.toISOString()})`,
    );
  }
  return {
    signingKid,
    publishedKids: schedule.jwksAt(now).keys.map((key) => key.kid),
    nextEvent: events.find((event) => event.at.getTime() > nowMs),
    problems,
  };
}

function activeKid(events: readonly KeyScheduleEvent[], nowMs: number): string | undefined {
  let kid: string | undefined;
  for (const event of events) {
    if (event.at.getTime() > nowMs) break;
    if (event.type === 'activate') kid = event.kid;
  }
  return kid;
}

/**
 * A span of whole seconds in hours, minutes and seconds, never rounded: `25 hours`,
 * `24 hours 5 minutes`.
 *
 * @example
 * ```ts
 * spanOfSeconds(86_700); // '24 hours 5 minutes'
 * ```
 */
export function spanOfSeconds(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return formatDuration({ hours, minutes, seconds: seconds % 60 }) || '0 seconds';
}
