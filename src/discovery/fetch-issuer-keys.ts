// One issuer's keys over HTTP: its discovery document, then the JWKS it names. Untrusted input
// from the network, so every step is bounded (time, size, key count) and every failure becomes a
// JwksFetchError with a reason.
import { isNativeError } from 'node:util/types';
import { JwksFetchError } from '../errors';
import {
  publicKeysFromJwks,
  type JsonWebKeyInput,
  type VerificationKey,
} from '../verify/verification-keys';
import { DISCOVERY_PATH, joinIssuerPath, quote, urlProblem } from './issuer-url';

/**
 * The `fetch` a remote key set calls: Node's global `fetch`, or a wrapper around it (to add a
 * proxy agent, headers or metrics).
 *
 * @example
 * ```ts
 * const counting: FetchFunction = (url, init) => { fetches += 1; return fetch(url, init); };
 * ```
 */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Largest discovery or JWKS body a remote key set accepts, in bytes (1 MiB). A real JWKS is a few
 * kilobytes; a larger answer is refused with `JwksFetchError` reason `'too-large'`.
 *
 * @example
 * ```ts
 * MAX_DOCUMENT_BYTES; // 1048576
 * ```
 */
export const MAX_DOCUMENT_BYTES = 1_048_576;
/**
 * Most keys a remote key set accepts from one issuer's JWKS; more is refused with
 * `JwksFetchError` reason `'too-large'`.
 *
 * @example
 * ```ts
 * MAX_KEYS_PER_ISSUER; // 100
 * ```
 */
export const MAX_KEYS_PER_ISSUER = 100;

/** How an issuer's keys are fetched: with which `fetch`, and within how long in all. */
export interface FetchIssuerKeysOptions {
  readonly fetch: FetchFunction;
  readonly timeoutMs: number;
}

/** What a successful fetch of one issuer brought back. */
export interface FetchedIssuerKeys {
  readonly jwksUri: string;
  readonly keys: readonly VerificationKey[];
}

/** The document being fetched, for the message of a timeout that may strike at any step. */
interface Step {
  url: string;
  what: string;
}

/**
 * Fetches `issuer`'s discovery document (whose `issuer` must equal `issuer` exactly), then its
 * `jwks_uri`, and parses the usable RS256 keys. Discovery and JWKS together get `timeoutMs`: a
 * verification that waits for this fetch waits at most that long, even when a custom `fetch`
 * ignores the abort signal.
 *
 * @throws {@link JwksFetchError} with the reason of the first failure.
 */
export async function fetchIssuerKeys(
  issuer: string,
  options: FetchIssuerKeysOptions,
): Promise<FetchedIssuerKeys> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const step: Step = { url: joinIssuerPath(issuer, DISCOVERY_PATH), what: 'discovery document' };
  const deadline = new Promise<never>((_resolve, reject) => {
    signal.addEventListener(
      'abort',
      () => {
        reject(timeoutError(step, options.timeoutMs));
      },
      { once: true },
    );
  });
  try {
    return await Promise.race([fetchSteps(issuer, options, signal, step), deadline]);
  } catch (error) {
    throw asFetchError(error, issuer);
  }
}

async function fetchSteps(
  issuer: string,
  options: FetchIssuerKeysOptions,
  signal: AbortSignal,
  step: Step,
): Promise<FetchedIssuerKeys> {
  const discoveryUrl = step.url;
  const discovery = await fetchJson(step, options, signal);
  const claimed = discovery.issuer;
  if (claimed !== issuer) {
    throw new JwksFetchError(
      'issuer-mismatch',
      `discovery document ${quote(discoveryUrl)} names issuer ${typeof claimed === 'string' ? quote(claimed) : 'nothing'}, not ${quote(issuer)}; its keys are not trusted for ${quote(issuer)}`,
      { url: discoveryUrl },
    );
  }
  const noJwksUri = (problem: string): JwksFetchError =>
    new JwksFetchError(
      'invalid-document',
      `discovery document ${quote(discoveryUrl)} has no usable jwks_uri: ${problem}`,
      { url: discoveryUrl },
    );
  const jwksUri = discovery.jwks_uri;
  if (typeof jwksUri !== 'string') throw noJwksUri('it is missing');
  const problem = urlProblem(jwksUri) ?? plainHttpProblem(issuer, jwksUri);
  if (problem !== null) throw noJwksUri(problem);
  step.url = jwksUri;
  step.what = 'JWKS';
  const jwks = await fetchJson(step, options, signal);
  const entries = jwks.keys;
  if (!Array.isArray(entries)) {
    throw new JwksFetchError('invalid-document', `JWKS ${quote(jwksUri)} has no "keys" array`, {
      url: jwksUri,
    });
  }
  if (entries.length > MAX_KEYS_PER_ISSUER) {
    throw new JwksFetchError(
      'too-large',
      `JWKS ${quote(jwksUri)} has ${entries.length} keys; at most ${MAX_KEYS_PER_ISSUER} are accepted`,
      { url: jwksUri },
    );
  }
  const keys = publicKeysFromJwks({ keys: entries as JsonWebKeyInput[] });
  if (keys.length === 0) {
    throw new JwksFetchError(
      'no-keys',
      `JWKS ${quote(jwksUri)} has no usable key: none of its ${entries.length} entries is an RSA key of at least 2048 bits for RS256`,
      { url: jwksUri },
    );
  }
  return { jwksUri, keys: Object.freeze(keys) };
}

// urlProblem lets plain http through for any loopback URL. For a jwks_uri that is only safe when
// the issuer itself is a loopback http URL (local development): a remote https issuer naming
// http://127.0.0.1:... would make every verifying host send requests to its own local services.
function plainHttpProblem(issuer: string, jwksUri: string): string | null {
  if (new URL(jwksUri).protocol !== 'http:' || new URL(issuer).protocol === 'http:') return null;
  return `${quote(jwksUri)} uses http, which only an http issuer on a loopback host may use; the issuer ${quote(issuer)} is https, so its jwks_uri must be https`;
}

async function fetchJson(
  step: Step,
  options: FetchIssuerKeysOptions,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const { url, what } = step;
  const failure = (cause: unknown): JwksFetchError =>
    signal.aborted
      ? timeoutError(step, options.timeoutMs, cause)
      : new JwksFetchError(
          'network',
          `${what} ${quote(url)} could not be fetched: ${causeOf(cause)}`,
          { url, cause },
        );
  let response: Response;
  try {
    response = await options.fetch(url, {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
  } catch (cause) {
    throw failure(cause);
  }
  if (response.status !== 200) {
    await discardBody(response);
    throw new JwksFetchError(
      'http-status',
      `${what} ${quote(url)} answered HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}; expected 200`,
      { url },
    );
  }
  let text: string;
  try {
    text = await readLimited(response, url, what);
  } catch (cause) {
    throw cause instanceof JwksFetchError ? cause : failure(cause);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new JwksFetchError('invalid-json', `${what} ${quote(url)} is not JSON`, { url, cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwksFetchError('invalid-document', `${what} ${quote(url)} is not a JSON object`, {
      url,
    });
  }
  return value as Record<string, unknown>;
}

function timeoutError(step: Step, timeoutMs: number, cause?: unknown): JwksFetchError {
  return new JwksFetchError(
    'timeout',
    `${step.what} ${quote(step.url)} did not answer in time: an issuer's discovery document and JWKS must arrive within ${timeoutMs} ms`,
    { url: step.url, cause },
  );
}

// Counted while reading, not trusted from Content-Length alone: a server may omit or lie about it.
async function readLimited(response: Response, url: string, what: string): Promise<string> {
  const tooLarge = (): JwksFetchError =>
    new JwksFetchError(
      'too-large',
      `${what} ${quote(url)} is larger than ${MAX_DOCUMENT_BYTES} bytes`,
      { url },
    );
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_DOCUMENT_BYTES) {
    await discardBody(response);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_DOCUMENT_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to free.
  }
}

function asFetchError(reason: unknown, issuer: string): JwksFetchError {
  if (reason instanceof JwksFetchError) return reason;
  return new JwksFetchError(
    'network',
    `keys of ${quote(issuer)} could not be fetched: ${causeOf(reason)}`,
    { url: issuer, cause: reason },
  );
}

// undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ...) in `cause`.
// Not `instanceof Error`: undici's errors come from Node's own realm, not a vm context's (jest's).
function causeOf(error: unknown): string {
  if (!isNativeError(error)) return 'unknown error';
  const inner: unknown = error.cause;
  const code =
    typeof inner === 'object' && inner !== null && 'code' in inner ? String(inner.code) : undefined;
  return code === undefined ? error.message : `${error.message} (${code})`;
}
