// The discovery documents as each framework adapter serves them, over real HTTP.
import { KeyRing } from '../../src/keys/key-ring';
import type { DiscoveryHandlerOptions } from '../../src/discovery/discovery-handler';
import { testKey } from '../helpers/keys';
import type { GuardApp } from './guard-contract';

/** Starts an app serving the discovery documents with `options`, and `GET /other` → 200 "other". */
export type StartDiscoveryApp = (options: DiscoveryHandlerOptions) => Promise<GuardApp>;

export function discoveryContract(framework: string, start: StartDiscoveryApp): void {
  describe(`${framework} discovery documents over real HTTP`, () => {
    const ring = new KeyRing(testKey('discovery'));
    let app: GuardApp;
    beforeAll(async () => {
      app = await start({ issuer: 'https://gitlab.example.com', keys: () => ring });
    });
    afterAll(async () => {
      await app.close();
    });

    it('serves the discovery document and the public JWKS, with ETag and 304', async () => {
      const discovery = await fetch(`${app.origin}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(await discovery.json()).toEqual({
        issuer: 'https://gitlab.example.com',
        jwks_uri: 'https://gitlab.example.com/oauth/discovery/keys',
        id_token_signing_alg_values_supported: ['RS256'],
      });
      const jwks = await fetch(`${app.origin}/oauth/discovery/keys`);
      expect(jwks.status).toBe(200);
      expect(jwks.headers.get('cache-control')).toBe('public, max-age=3600');
      expect(await jwks.json()).toEqual({
        keys: ring
          .jwks()
          .keys.map(({ kty, n, e, alg, use, kid }) => ({ kty, n, e, alg, use, kid })),
      });
      const etag = jwks.headers.get('etag')!;
      const again = await fetch(`${app.origin}/oauth/discovery/keys`, {
        headers: { 'if-none-match': etag },
      });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
    });

    it('answers HEAD with the headers alone', async () => {
      const head = await fetch(`${app.origin}/oauth/discovery/keys`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('etag')).toMatch(/^"/);
    });

    it('leaves every other path to the app', async () => {
      const other = await fetch(`${app.origin}/other`);
      expect(await other.text()).toBe('other');
    });
  });
}
