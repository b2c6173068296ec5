import { format } from 'date-fns/format';
import { formatDistanceStrict } from 'date-fns/formatDistanceStrict';
import { KeySchedule, type KeyScheduleEvent } from '../../keys/key-schedule';
import { describe } from '../../time';
import { COMMON_OPTIONS, parseCommandArgs } from '../args';
import { CliUsageError } from '../cli-errors';
import type { CliCommand } from '../command';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes';
import { asFlagError } from '../library-errors';
import type { Output } from '../output';
import { assessSchedule, spanOfSeconds } from '../schedule-safety';

const OPTIONS = {
  ...COMMON_OPTIONS,
  'publish-lead-seconds': { type: 'string' },
  'retire-after-seconds': { type: 'string' },
} as const;

const FLAGS = {
  publishLeadSeconds: '--publish-lead-seconds',
  retireAfterSeconds: '--retire-after-seconds',
};

const EVENT_WORDS: Readonly<Record<KeyScheduleEvent['type'], string>> = {
  publish: 'published (enters the JWKS)',
  activate: 'starts signing',
  retire: 'retired (leaves the JWKS)',
};

/**
 * `ai-access-token keys plan SCHEDULE_FILE`: a key schedule's timeline, what is true now, and
 * whether deploying it now is safe (exit 1 saying why when not).
 *
 * @example
 * ```sh
 * ai-access-token keys plan /etc/ai-gateway/key-schedule.json
 * ```
 */
export const keysCommand: CliCommand = {
  name: 'keys',
  summary: 'Plan key rotation: "keys plan SCHEDULE_FILE" checks a key schedule',
  help: `Usage: ai-access-token keys plan SCHEDULE_FILE [options]

Print the timeline of a key schedule (a JSON array of { "file", "activatesAt" }, key files
relative to it) in local time and UTC, what is true now (the signing key, the published keys,
the next event), and whether deploying the schedule now is safe.

Exit 1, saying why on stderr, when it is not: no key signs now, or the next key activates less
than the publish lead (25 hours by default) from now, so a receiver that fetched the JWKS just
before the deploy (the gateway keeps it for 24 hours and never refetches on an unknown kid)
would reject its first tokens.

Options:
      --publish-lead-seconds N   the schedule's publishLeadSeconds (default 90000, 25 hours)
      --retire-after-seconds N   the schedule's retireAfterSeconds (default 86700)
  -h, --help                     show this help

Add a key with: ai-access-token keygen --out keys/next.pem --schedule SCHEDULE_FILE --activates-in 48h

Example:
  ai-access-token keys plan key-schedule.json`,

  run(argv, { out, err, now }) {
    const { values, positionals } = parseCommandArgs('keys', argv, OPTIONS);
    const [action, file, ...rest] = positionals;
    if (action !== 'plan') {
      throw new CliUsageError(`expected "keys plan SCHEDULE_FILE"; got ${describe(action)}`);
    }
    if (file === undefined || rest.length > 0) {
      throw new CliUsageError('keys plan takes exactly one SCHEDULE_FILE');
    }
    let schedule: KeySchedule;
    try {
      schedule = KeySchedule.fromFile(file, {
        publishLeadSeconds: seconds(values['publish-lead-seconds']),
        retireAfterSeconds: seconds(values['retire-after-seconds']),
      });
    } catch (error) {
      throw asFlagError(error, FLAGS);
    }
    const at = now();
    printPlan(out, file, schedule, at);
    const { problems } = assessSchedule(schedule, at);
    if (problems.length === 0) {
      out.line(out.paint('green', '✔ safe to deploy now'));
      return Promise.resolve(EXIT_OK);
    }
    for (const problem of problems) {
      err.line(err.paint('red', `ai-access-token keys plan: unsafe to deploy now: ${problem}`));
    }
    return Promise.resolve(EXIT_FAILURE);
  },
};

// A non-numeric value becomes NaN, which KeySchedule refuses naming the option (then the flag).
function seconds(value: string | undefined): number | undefined {
  return value === undefined ? undefined : /^\d+$/.test(value) ? Number(value) : NaN;
}

function printPlan(out: Output, file: string, schedule: KeySchedule, now: Date): void {
  out.line(
    `Key schedule ${file}: ${schedule.entries.length} key(s); each published ${spanOfSeconds(schedule.publishLeadSeconds)} before it signs, retired ${spanOfSeconds(schedule.retireAfterSeconds)} after the next key activates`,
  );
  out.line();
  out.line(`${'local time'.padEnd(26)}  ${'UTC'.padEnd(20)}  event`);
  for (const event of schedule.timeline()) {
    const marker = event.at.getTime() <= now.getTime() ? ' ' : '›';
    out.line(
      `${localTime(event.at)}  ${utcTime(event.at)}  ${marker} ${event.kid} ${EVENT_WORDS[event.type]} (${formatDistanceStrict(event.at, now, { addSuffix: true })})`,
    );
  }
  const assessment = assessSchedule(schedule, now);
  out.line();
  out.line(`Now: ${localTime(now)}  ${utcTime(now)}`);
  out.line(`  signing:   ${assessment.signingKid ?? '(no key yet)'}`);
  out.line(`  published: ${assessment.publishedKids.join(', ') || '(none)'}`);
  const next = assessment.nextEvent;
  out.line(
    next === undefined
      ? '  next:      (nothing scheduled: the last key signs until a new one is added)'
      : `  next:      ${next.kid} ${EVENT_WORDS[next.type]} at ${utcTime(next.at)} (${formatDistanceStrict(next.at, now, { addSuffix: true })})`,
  );
}

function localTime(date: Date): string {
  return format(date, 'yyyy-MM-dd HH:mm:ss xxx');
}

function utcTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
