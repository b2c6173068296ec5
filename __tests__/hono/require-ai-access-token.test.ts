// The Hono adapter's route guard, on a real Hono 4 app served by @hono/node-server on 127.0.0.1.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { discoveryRoutes, requireAiAccessToken, tokenRoute } from '../../src/hono';
import { KeyRing } from '../../src/keys/key-ring';
import { testKey } from '../helpers/keys';
import { discoveryContract } from '../http/discovery-contract';
import { guardContract, type GuardApp } from '../http/guard-contract';
import { TOKENS_PATH, tokenEndpointContract } from '../http/token-endpoint-contract';

export async function startHono(app: Hono): Promise<GuardApp> {
  let server!: ReturnType<typeof serve>;
  const { port } = await new Promise<AddressInfo>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve);
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => {
          done();
        });
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

guardContract('Hono', (options) => {
  const app = new Hono();
  app.get('/protected', requireAiAccessToken(options), (c) => {
    const token = c.get('aiAccessToken');
    return c.json({ subject: token.subject, scopes: token.scopes });
  });
  return startHono(app);
});

tokenEndpointContract('Hono', ({ issuer, user, enabled }) => {
  const app = new Hono();
  app.all(
    TOKENS_PATH,
    tokenRoute({
      issuer,
      enabled,
      authenticate: (c) => Promise.resolve(user(c.req.header('x-user'), c.req.header('x-scopes'))),
    }),
  );
  return startHono(app);
});

discoveryContract('Hono', (options) => {
  const app = new Hono();
  app.use(discoveryRoutes(options));
  app.get('/other', (c) => c.text('other'));
  return startHono(app);
});

describe('Hono discovery errors', () => {
  it('answers another method on a document path with 405 and Allow', async () => {
    const app = new Hono();
    app.use(
      discoveryRoutes({ issuer: 'https://gitlab.example.com', keys: new KeyRing(testKey()) }),
    );
    const server = await startHono(app);
    try {
      const response = await fetch(`${server.origin}/oauth/discovery/keys`, { method: 'POST' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    } finally {
      await server.close();
    }
  });
});
