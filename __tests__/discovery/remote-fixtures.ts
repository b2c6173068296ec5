// What the remote-key-set tests share: a frozen clock, real issuers on 127.0.0.1, a fetch that
// counts (and can hold) requests, and tokens signed with real keys.
import { AI_GATEWAY_AUDIENCE } from '../../src/constants';
import { createDiscoveryHandler } from '../../src/discovery/discovery-handler';
import type { FetchFunction } from '../../src/discovery/remote-key-set';
import type { KeyRing } from '../../src/keys/key-ring';
import type { SigningKey } from '../../src/keys/signing-key';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { forgeRs256 } from '../verify/forge';
import { startServerFor, type TestServer } from './servers';

export const START = Date.parse('2026-01-01T00:00:00Z');

/** A clock that moves only when told to. */
export function frozenClock(): { now: () => Date; advance(seconds: number): void; ms(): number } {
  let ms = START;
  return {
    now: () => new Date(ms),
    advance: (seconds) => {
      ms += seconds * 1000;
    },
    ms: () => ms,
  };
}

/** An issuer publishing `ring()` with the package's own handler. */
export function startIssuer(ring: () => KeyRing): Promise<TestServer> {
  return startServerFor((origin) => createDiscoveryHandler({ issuer: origin, keys: ring }));
}

/**
 * An issuer serving exactly this JWKS document (any kids it likes) at `/jwks`; given a function,
 * whatever it returns at the time of each fetch.
 */
export function startJwksIssuer(jwks: unknown): Promise<TestServer> {
  const current = typeof jwks === 'function' ? (jwks as () => unknown) : () => jwks;
  return startServerFor((origin) => (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify(
        req.url === '/.well-known/openid-configuration'
          ? { issuer: origin, jwks_uri: `${origin}/jwks` }
          : current(),
      ),
    );
  });
}

/**
 * The real global fetch, recording every URL asked for, and able to hold the requests to an
 * origin: a held request is recorded but reaches the network only when `release()` is called, so
 * a test can keep an issuer's fetch in flight for as long as it needs.
 */
export interface GatedFetch {
  readonly fetch: FetchFunction;
  /** Every URL requested so far, held or not. */
  readonly urls: string[];
  /** URLs requested so far under `origin`. */
  count(origin: string): number;
  /** Holds every request to `origin` from now on, until `release()`. */
  hold(origin: string): void;
  /** Requests to `origin` held and not yet released. */
  held(origin: string): number;
  /** Lets every held request go on to the network, and no more be held. */
  release(): void;
}

export function gatedFetch(): GatedFetch {
  const urls: string[] = [];
  const holding = new Set<string>();
  const waiting: { origin: string; go: () => void }[] = [];
  const originOf = (url: string) => new URL(url).origin;
  return {
    urls,
    fetch: async (url, init) => {
      urls.push(url);
      const origin = originOf(url);
      if (holding.has(origin)) {
        await new Promise<void>((go) => waiting.push({ origin, go }));
      }
      return fetch(url, init);
    },
    count: (origin) => urls.filter((url) => originOf(url) === origin).length,
    hold: (origin) => {
      holding.add(origin);
    },
    held: (origin) => waiting.filter((entry) => entry.origin === origin).length,
    release: () => {
      holding.clear();
      for (const { go } of waiting.splice(0)) go();
    },
  };
}

/** A token of `issuer` signed by `signingKey`, minted at `now()`. */
export function mint(
  issuer: string,
  signingKey: SigningKey | KeyRing,
  now: () => Date,
  scopes = ['code_suggestions'],
): string {
  return new AiAccessToken({ subject: 'user-42', scopes, issuer, signingKey, now }).encoded();
}

/** A token with any header and claims, really signed with `privateKey`, valid at `now()`. */
export function forge(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signingKey: SigningKey,
  now: () => Date,
): string {
  const iat = Math.floor(now().getTime() / 1000);
  return forgeRs256(
    { alg: 'RS256', typ: 'JWT', ...header },
    { aud: AI_GATEWAY_AUDIENCE, sub: 'x', iat, nbf: iat - 5, exp: iat + 3600, ...claims },
    signingKey.privateKey,
  );
}

export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
