import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidClaimError } from '../errors';
import type { Jwks, PublicJwk } from '../keys/jwk';
import { KeyRing } from '../keys/key-ring';
import type { Signer } from '../keys/signer';
import { KeySchedule } from '../keys/key-schedule';
import { describe, readClock, systemClock, type Clock } from '../time';
import { DISCOVERY_PATH, assertIssuerUrl, joinIssuerPath } from './issuer-url';
import { assertKnownOptions, functionOption, wholeNumberOption } from '../option-checks';

/**
 * Default `jwksPath` of {@link createDiscoveryHandler}: where GitLab publishes its keys.
 *
 * @example
 * ```ts
 * `${issuer}${DEFAULT_JWKS_PATH}`; // 'https://gitlab.example.com/oauth/discovery/keys'
 * ```
 */
export const DEFAULT_JWKS_PATH = '/oauth/discovery/keys';

/**
 * Default `maxAgeSeconds` of {@link createDiscoveryHandler}: one hour. Only receivers that honour
 * `Cache-Control`, such as this package's `createRemoteKeySet`, re-read the JWKS within that
 * time. The gateway ignores it: it caches its issuers' merged JWKS for 24 hours, never refetches
 * on an unknown `kid`, and tries every cached key. For the gateway, publish keys with a
 * `KeySchedule`, which publishes a key 25 hours before it signs.
 *
 * @example
 * ```ts
 * createDiscoveryHandler({ issuer, keys: ring, maxAgeSeconds: DEFAULT_DISCOVERY_MAX_AGE_SECONDS });
 * ```
 */
export const DEFAULT_DISCOVERY_MAX_AGE_SECONDS = 3600;

const MAX_MAX_AGE_SECONDS = 31_536_000;

/**
 * Options of {@link createDiscoveryHandler}.
 *
 * @example
 * ```ts
 * const options: DiscoveryHandlerOptions = {
 *   issuer: 'https://gitlab.example.com',
 *   keys: () => currentRing, // read on every request: rotation needs no restart
 * };
 * ```
 */
export interface DiscoveryHandlerOptions {
  /**
   * The issuer URL, exactly as tokens carry it in `iss`: absolute `https:` (or `http:` on
   * `localhost`, `127.0.0.1` or `[::1]`), no query, fragment or credentials. Published unchanged
   * as the document's `issuer`.
   */
  issuer: string;
  /**
   * The keys to publish: a {@link KeySchedule} (its JWKS at the handler's clock, on every
   * request), a {@link KeyRing}, or a function returning the current ring.
   */
  keys: KeySchedule<Signer> | KeyRing<Signer> | (() => KeyRing<Signer>);
  /** Path of the JWKS, appended to the issuer to form `jwks_uri`. Default `/oauth/discovery/keys`. */
  jwksPath?: string | undefined;
  /**
   * `Cache-Control: public, max-age=…` of both documents, in whole seconds. Default 3600. Honoured
   * by `createRemoteKeySet`, ignored by the gateway (which caches for 24 hours).
   */
  maxAgeSeconds?: number | undefined;
  /** The clock a `KeySchedule` is evaluated at. Default: the real one. */
  now?: Clock | undefined;
}

/**
 * The OpenID discovery document {@link createDiscoveryHandler} serves: only what a token receiver
 * reads (this package mints tokens; it is not a full OpenID provider).
 *
 * @example
 * ```ts
 * const doc: DiscoveryDocument = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
 * doc.jwks_uri; // 'https://gitlab.example.com/oauth/discovery/keys'
 * ```
 */
export interface DiscoveryDocument {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly id_token_signing_alg_values_supported: readonly ['RS256'];
}

/**
 * A Node request handler, usable with `node:http`, Express, Fastify (raw request) and Koa. `next`,
 * when given, is called for every other path (synchronously), and with an error when `keys()`
 * throws; without `next` those get `404` and `500`.
 *
 * @example
 * ```ts
 * const handler: DiscoveryHandler = createDiscoveryHandler({ issuer, keys: ring });
 * http.createServer(handler).listen(8080);
 * ```
 */
export type DiscoveryHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

interface Representation {
  readonly body: Buffer;
  readonly etag: string;
}

const OPTION_NAMES: readonly string[] = ['issuer', 'keys', 'jwksPath', 'maxAgeSeconds', 'now'];

/**
 * Publishes a backend's keys the way receivers look for them: `GET {issuer}/.well-known/openid-configuration`
 * answers the discovery document (`issuer` exactly as configured, `jwks_uri` = issuer + `jwksPath`),
 * and `GET {issuer}{jwksPath}` answers the JWKS of the ring's public keys (never a private member).
 *
 * Both documents are served with `Content-Type: application/json`, `Cache-Control: public,
 * max-age=N`, a strong `ETag` (a SHA-256 of the body) and `304 Not Modified` on a matching
 * `If-None-Match`; `HEAD` gets the headers alone; other methods get `405` with `Allow: GET, HEAD`.
 * Any other path goes to `next()` (Express, Koa) or gets `404` (plain `node:http`). When the
 * issuer has a path (`https://host/gitlab`), the documents are answered both at the full path
 * (`/gitlab/.well-known/…`) and with that prefix stripped, as a proxy or a mount point would.
 *
 * Options are validated once, here. With `keys` as a {@link KeySchedule}, every request gets the
 * schedule's JWKS at the handler's clock (`now`), so keys appear and retire on time with no
 * restart; with `keys` as a function, it is called on every request, so a rotated ring is
 * published at once. The JWKS body and its ETag are computed once per ring (or schedule phase).
 *
 * @throws {@link InvalidClaimError} naming the option when an option breaks its rule.
 * @example
 * ```ts
 * import http from 'node:http';
 * import { KeySchedule, createDiscoveryHandler } from 'ai-access-token';
 *
 * const schedule = KeySchedule.fromFile('/etc/ai-gateway/key-schedule.json');
 * const handler = createDiscoveryHandler({ issuer: 'https://gitlab.example.com', keys: schedule });
 * http.createServer(handler).listen(8080);
 * ```
 */
export function createDiscoveryHandler(options: DiscoveryHandlerOptions): DiscoveryHandler {
  const respond = createDiscoveryResponder(options);
  return (req, res, next) => {
    let reply: DiscoveryReply | undefined;
    try {
      reply = respond(req.method ?? '', requestPath(req.url), req.headers['if-none-match']);
    } catch (error) {
      if (next !== undefined) {
        next(error);
      } else {
        // The cause stays on the server: a key provider's error may say too much.
        sendText(res, 500, 'Internal Server Error');
      }
      return;
    }
    if (reply === undefined) {
      if (next !== undefined) {
        next();
      } else {
        sendText(res, 404, 'Not Found');
      }
      return;
    }
    res.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    res.end(reply.body);
  };
}

/** One answer of the discovery documents, for any HTTP server API (Node's, or a fetch-style one). */
export interface DiscoveryReply {
  readonly status: 200 | 304 | 405;
  readonly headers: Readonly<Record<string, string>>;
  /** `undefined` for `HEAD` and `304`. */
  readonly body: Buffer | undefined;
}

/**
 * The framework-neutral core of {@link createDiscoveryHandler}: options validated once; the
 * function answers `(method, path, If-None-Match)`, or returns `undefined` for a path that is not
 * one of the documents'. Throws what `keys()` throws. Internal (used by the framework adapters).
 */
export function createDiscoveryResponder(
  options: DiscoveryHandlerOptions,
): (method: string, path: string, ifNoneMatch: string | undefined) => DiscoveryReply | undefined {
  const { issuer, currentKeys, jwksPath, cacheControl } = resolveOptions(options);
  const discoveryUrl = joinIssuerPath(issuer, DISCOVERY_PATH);
  const jwksUri = joinIssuerPath(issuer, jwksPath);
  const discovery = represent({
    issuer,
    jwks_uri: jwksUri,
    id_token_signing_alg_values_supported: ['RS256'],
  } satisfies DiscoveryDocument);
  const discoveryPaths = servedPaths(discoveryUrl, DISCOVERY_PATH);
  const jwksPaths = servedPaths(jwksUri, jwksPath);

  // A ring, or a schedule's JWKS of the current phase: the same object until the keys change.
  let lastKeys: KeyRing<Signer> | Jwks | undefined;
  let lastJwks: Representation | undefined;
  const jwksRepresentation = (): Representation => {
    const keys = currentKeys();
    if (keys !== lastKeys || lastJwks === undefined) {
      lastJwks = represent(publicOnly(keys instanceof KeyRing ? keys.jwks() : keys));
      lastKeys = keys;
    }
    return lastJwks;
  };

  return (method, path, ifNoneMatch) => {
    const isDiscovery = discoveryPaths.has(path);
    if (!isDiscovery && !jwksPaths.has(path)) return undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      const body = Buffer.from('Method Not Allowed\n', 'utf8');
      return {
        status: 405,
        headers: { Allow: 'GET, HEAD', ...textHeaders(body) },
        body,
      };
    }
    return jsonReply(
      method,
      ifNoneMatch,
      isDiscovery ? discovery : jwksRepresentation(),
      cacheControl,
    );
  };
}

interface ResolvedOptions {
  readonly issuer: string;
  readonly currentKeys: () => KeyRing<Signer> | Jwks;
  readonly jwksPath: string;
  readonly cacheControl: string;
}

function resolveOptions(options: DiscoveryHandlerOptions): ResolvedOptions {
  assertKnownOptions(options, OPTION_NAMES);
  const issuer = assertIssuerUrl('issuer', options.issuer);
  const keys: unknown = options.keys;
  const now = functionOption('now', options.now) ?? systemClock;
  let currentKeys: () => KeyRing<Signer> | Jwks;
  if (keys instanceof KeySchedule) {
    currentKeys = () => keys.jwksAt(readClock(now));
  } else if (keys instanceof KeyRing) {
    currentKeys = () => keys;
  } else if (typeof keys === 'function') {
    currentKeys = () => {
      const ring: unknown = (keys as () => unknown)();
      if (!(ring instanceof KeyRing)) {
        throw new InvalidClaimError('keys', `keys() must return a KeyRing; got ${describe(ring)}`);
      }
      return ring;
    };
  } else {
    throw new InvalidClaimError(
      'keys',
      `keys must be a KeySchedule, a KeyRing or a function returning one; got ${describe(keys)}`,
    );
  }
  const jwksPath = resolveJwksPath(options.jwksPath);
  const maxAge = wholeNumberOption(
    'maxAgeSeconds',
    options.maxAgeSeconds,
    DEFAULT_DISCOVERY_MAX_AGE_SECONDS,
    0,
    MAX_MAX_AGE_SECONDS,
    'seconds',
  );
  return { issuer, currentKeys, jwksPath, cacheControl: `public, max-age=${maxAge}` };
}

function resolveJwksPath(value: unknown): string {
  if (value === undefined) return DEFAULT_JWKS_PATH;
  if (
    typeof value !== 'string' ||
    !/^(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)+$/.test(value) ||
    value.split('/').some((segment) => segment === '.' || segment === '..') ||
    value === DISCOVERY_PATH
  ) {
    throw new InvalidClaimError(
      'jwksPath',
      `jwksPath must be an absolute path such as ${JSON.stringify(DEFAULT_JWKS_PATH)} (no query, no "." or ".." segments, not the discovery path); got ${describe(value)}`,
    );
  }
  return value;
}

// The paths a document is answered at: its path in the published URL and, when the issuer has a
// path prefix, the same path relative to the issuer (what a mount point or a stripping proxy
// passes on).
function servedPaths(url: string, relative: string): ReadonlySet<string> {
  return new Set([new URL(url).pathname, relative]);
}

function requestPath(url: string | undefined): string {
  if (url === undefined) return '';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

// Defence in depth: whatever a ring returns, only the public members of each key are published.
function publicOnly(document: Jwks): Jwks {
  return {
    keys: document.keys.map(({ kty, n, e, alg, use, kid }): PublicJwk => ({
      kty,
      n,
      e,
      alg,
      use,
      kid,
    })),
  };
}

function represent(document: object): Representation {
  const body = Buffer.from(JSON.stringify(document), 'utf8');
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  return { body, etag };
}

function jsonReply(
  method: string,
  ifNoneMatch: string | undefined,
  { body, etag }: Representation,
  cacheControl: string,
): DiscoveryReply {
  if (matchesIfNoneMatch(ifNoneMatch, etag)) {
    return { status: 304, headers: { 'Cache-Control': cacheControl, ETag: etag }, body: undefined };
  }
  return {
    status: 200,
    headers: {
      'Cache-Control': cacheControl,
      ETag: etag,
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      'X-Content-Type-Options': 'nosniff',
    },
    body: method === 'HEAD' ? undefined : body,
  };
}

// RFC 9110 §13.1.2: If-None-Match uses the weak comparison, so `W/"x"` matches `"x"`; `*` matches
// any current representation; the header may be a comma-separated list.
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

function textHeaders(body: Buffer): Record<string, string> {
  return { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length) };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.statusCode = status;
  for (const [name, value] of Object.entries(textHeaders(body))) res.setHeader(name, value);
  res.end(body);
}
