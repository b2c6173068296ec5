import { ENV_ISSUER, MAX_EXPIRES_IN_SECONDS, type GitlabRealm } from '../../constants';
import { keySourceFromEnvOrNull } from '../../keys/env-key-source';
import { AiAccessToken } from '../../token/ai-access-token';
import type { JsonObject, JsonValue } from '../../token/claims';
import { describe } from '../../time';
import { COMMON_OPTIONS, commaList, noPositionals, parseCommandArgs, required } from '../args';
import { CliUsageError } from '../cli-errors';
import type { CliCommand } from '../command';
import { EXIT_OK } from '../exit-codes';
import { loadSigningKey } from '../key-files';
import { asFlagError } from '../library-errors';
import { PKCS11_HELP, PKCS11_OPTIONS, pkcs11SignerFromFlags } from '../pkcs11-flags';

const OPTIONS = {
  ...COMMON_OPTIONS,
  subject: { type: 'string', short: 's' },
  scopes: { type: 'string', multiple: true },
  issuer: { type: 'string' },
  key: { type: 'string', short: 'k' },
  ...PKCS11_OPTIONS,
  realm: { type: 'string' },
  ttl: { type: 'string' },
  audience: { type: 'string', multiple: true },
  'instance-id': { type: 'string' },
  'duo-seat-count': { type: 'string' },
  'third-party-ai-features': { type: 'string' },
  claim: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

// Library option → the flag that sets it, so the library's errors name the flag.
const FLAGS = {
  subject: '--subject',
  scopes: '--scopes',
  issuer: '--issuer',
  signingKey: '--key FILE',
  gitlabRealm: '--realm',
  audience: '--audience',
  expiresIn: '--ttl',
  instanceId: '--instance-id',
  duoSeatCount: '--duo-seat-count',
  thirdPartyAiFeaturesEnabled: '--third-party-ai-features',
  extraClaims: '--claim',
};

/**
 * `ai-access-token mint`: a signed token from flags, with the library's environment fallbacks.
 *
 * @example
 * ```sh
 * ai-access-token mint --subject user-42 --scopes code_suggestions,duo_chat \
 *   --issuer https://gitlab.example.com --key signing-key.pem
 * ```
 */
export const mintCommand: CliCommand = {
  name: 'mint',
  summary: 'Mint a signed access token',
  help: `Usage: ai-access-token mint --subject S --scopes a,b [options]

Mint an RS256 access token for the AI gateway and print it (or, with --json, the token,
its header, its claims and when it expires).

Options:
  -s, --subject S         sub: the user or instance the token is for (required)
      --scopes a,b        scopes the token grants, comma-separated; repeatable (required)
      --issuer URL        iss (default: $${ENV_ISSUER})
  -k, --key FILE          PEM private key to sign with (default: the key schedule named by
                          $AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE, then $AI_ACCESS_TOKEN_SIGNING_KEY,
                          then the file named by $AI_ACCESS_TOKEN_SIGNING_KEY_FILE)
${PKCS11_HELP}
      --realm R           gitlab_realm: saas (default) or self-managed
      --ttl SECONDS       lifetime, a whole number from 1 to ${MAX_EXPIRES_IN_SECONDS} (default 3600)
      --audience A        aud (default gitlab-ai-gateway); repeat for several audiences
      --instance-id ID    gitlab_instance_id: the instance the token is for
      --duo-seat-count N  duo_seat_count: the instance's Duo seats, a whole number from 0
                          (written into the token as the string "N", as gateways compare it)
      --third-party-ai-features true|false
                          third_party_ai_features_enabled, a JSON boolean
      --claim NAME=VALUE  an extra claim; repeatable. VALUE is parsed as JSON when it parses
                          (3, true, null, ["a"], {"k":1}, "quoted"), else taken as a string
      --json              print { token, header, claims, expiresAt } as JSON
  -h, --help              show this help

Example:
  ai-access-token mint --subject user-42 --scopes code_suggestions,duo_chat \\
    --issuer https://gitlab.example.com --key signing-key.pem`,

  async run(argv, { io, out, now }) {
    const { values, positionals } = parseCommandArgs('mint', argv, OPTIONS);
    noPositionals('mint', positionals);
    const subject = required('--subject', values.subject);
    const scopes = commaList(required('--scopes', values.scopes));
    const extraClaims = parseClaims(values.claim ?? []);
    const audience = values.audience;
    if (values.key !== undefined && values['pkcs11-module'] !== undefined) {
      throw new CliUsageError('give either --key or the --pkcs11-* flags, not both');
    }
    const signer = await pkcs11SignerFromFlags(values, io.env);
    let token: AiAccessToken;
    try {
      token = new AiAccessToken({
        subject,
        scopes,
        // The library reads process.env; read io.env through the same resolution, so an
        // in-process caller's environment is honoured too.
        issuer: values.issuer ?? nonEmpty(io.env[ENV_ISSUER]),
        signingKey:
          signer ??
          (values.key === undefined
            ? (keySourceFromEnvOrNull(io.env) ?? undefined)
            : loadSigningKey('--key', values.key)),
        // Checked by the library; its error is reported as --realm.
        gitlabRealm: values.realm as GitlabRealm | undefined,
        audience: audience?.length === 1 ? audience[0] : audience,
        expiresIn: values.ttl === undefined ? undefined : parseTtl(values.ttl),
        instanceId: values['instance-id'],
        duoSeatCount:
          values['duo-seat-count'] === undefined
            ? undefined
            : parseSeatCount(values['duo-seat-count']),
        thirdPartyAiFeaturesEnabled:
          values['third-party-ai-features'] === undefined
            ? undefined
            : parseBoolean('--third-party-ai-features', values['third-party-ai-features']),
        extraClaims,
        now,
      });
      // A PKCS#11 key signs only asynchronously.
      const encoded = signer === undefined ? token.encoded() : await token.encodedAsync();
      if (values.json === true) {
        out.json({
          token: encoded,
          header: token.header(),
          claims: token.payload(),
          expiresAt: token.expiresAt.toISOString(),
        });
      } else {
        out.line(encoded);
      }
    } catch (error) {
      throw asFlagError(error, FLAGS);
    } finally {
      await signer?.close();
    }
    return EXIT_OK;
  },
};

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

// Only a plain decimal is a number here; the library then checks it is whole and in range.
function parseTtl(text: string): number {
  if (!/^[+-]?\d+(\.\d+)?$/.test(text.trim())) {
    throw new CliUsageError(
      `--ttl must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN_SECONDS}; got ${describe(text)}`,
    );
  }
  return Number(text);
}

// Digits only: "1e3" or "0x10" would be numbers to Number() but are not a seat count as typed.
function parseSeatCount(text: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new CliUsageError(
      `--duo-seat-count must be a whole number from 0; got ${describe(text)}`,
    );
  }
  return Number(text);
}

function parseBoolean(flag: string, text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new CliUsageError(`${flag} must be true or false; got ${describe(text)}`);
}

function parseClaims(items: readonly string[]): JsonObject | undefined {
  if (items.length === 0) return undefined;
  // No prototype: `--claim __proto__=…` must be a claim, not a prototype change.
  const claims = Object.create(null) as JsonObject;
  for (const item of items) {
    const separator = item.indexOf('=');
    if (separator <= 0) {
      throw new CliUsageError(`--claim must be NAME=VALUE; got ${describe(item)}`);
    }
    const name = item.slice(0, separator);
    if (Object.hasOwn(claims, name)) {
      throw new CliUsageError(`--claim ${describe(name)} is given more than once`);
    }
    claims[name] = claimValue(item.slice(separator + 1));
  }
  return claims;
}

function claimValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}
