// The Hono adapter's route guard, on a real Hono 4 app served by @hono/node-server on 127.0.0.1.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { requireAiAccessToken } from '../../src/hono';
import { guardContract, type GuardApp } from '../http/guard-contract';

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
