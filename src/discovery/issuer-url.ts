import { InvalidClaimError } from '../errors';
import { describe } from '../time';

/** Where an OpenID provider publishes its discovery document, relative to its issuer. */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

// Loopback hosts may use plain http: traffic to them never leaves the machine, which is what local
// development, tests and `npm run example:gateway` need. Everything else must be https, as OpenID
// Connect Discovery requires.
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks that `value` can be an OpenID issuer: an absolute `https:` URL (or `http:` on a loopback
 * host) without query, fragment or credentials. Returns it unchanged: an issuer is compared as an
 * exact string, so it is never normalised.
 *
 * @throws {@link InvalidClaimError} naming `option`.
 */
export function assertIssuerUrl(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidClaimError(
      option,
      `${option} must be an absolute https URL; got ${describe(value)}`,
    );
  }
  const problem = urlProblem(value);
  if (problem !== null) {
    throw new InvalidClaimError(option, `${option} must be an absolute https URL; ${problem}`);
  }
  return value;
}

/**
 * Why `value` is not a URL this package will fetch from or publish, or `null` when it is one: an
 * absolute `https:` URL, or `http:` on a loopback host, with no query, fragment or credentials.
 */
export function urlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${quote(value)} is not an absolute URL`;
  }
  if (url.username !== '' || url.password !== '') {
    // Not quoted: the credentials are a secret.
    return 'the URL contains credentials (user:password@)';
  }
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
  ) {
    return `${quote(value)} uses ${url.protocol.slice(0, -1)}; only https is allowed (http only for localhost, 127.0.0.1 and [::1])`;
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value)) {
    return `${quote(value)} has a query or fragment`;
  }
  return null;
}

/**
 * `issuer` with `path` appended, without doubling or dropping a slash: the issuer's trailing
 * slashes are removed first, as OpenID Connect Discovery §4 says for the well-known path.
 *
 * @example
 * ```ts
 * joinIssuerPath('https://gitlab.example.com/', DISCOVERY_PATH);
 * // 'https://gitlab.example.com/.well-known/openid-configuration'
 * ```
 */
export function joinIssuerPath(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, '')}${path}`;
}

/** A URL for an error message: URLs are not secret, but a hostile one may be huge. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}
