// The Express adapter's route guard, on a real Express 5 server on 127.0.0.1.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { discoveryRouter, requireAiAccessToken, tokenRoute } from '../../src/express';
import type { AiAccessTokenGuardOptions } from '../../src/http/bearer-guard';
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import { testKey } from '../helpers/keys';
import { discoveryContract } from '../http/discovery-contract';
import { guardContract, type GuardApp } from '../http/guard-contract';
import { TOKENS_PATH, tokenEndpointContract } from '../http/token-endpoint-contract';

export async function startExpress(configure: (app: express.Express) => void): Promise<GuardApp> {
  const app = express();
  configure(app);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

guardContract('Express', (options: AiAccessTokenGuardOptions) =>
  startExpress((app) => {
    app.get('/protected', requireAiAccessToken(options), (req, res) => {
      res.json({ subject: req.aiAccessToken?.subject, scopes: req.aiAccessToken?.scopes });
    });
  }),
);

tokenEndpointContract('Express', ({ issuer, user, enabled }) =>
  startExpress((app) => {
    app.all(
      TOKENS_PATH,
      tokenRoute({
        issuer,
        enabled,
        authenticate: (req) => Promise.resolve(user(req.get('x-user'), req.get('x-scopes'))),
      }),
    );
  }),
);

discoveryContract('Express', (options) =>
  startExpress((app) => {
    app.use(discoveryRouter(options));
    app.get('/other', (_req, res) => {
      res.send('other');
    });
  }),
);

describe('Express errors', () => {
  it('passes an error of authenticate to next(), which answers 500 without the detail', async () => {
    const app = await startExpress((express) => {
      express.all(
        TOKENS_PATH,
        tokenRoute({
          issuer: new AiAccessTokenIssuer({ issuer: 'https://i.example', signingKey: testKey() }),
          authenticate: () => Promise.reject(new Error('session store down: secret detail')),
        }),
      );
    });
    try {
      const response = await fetch(`${app.origin}${TOKENS_PATH}`, { method: 'POST' });
      expect(response.status).toBe(500);
    } finally {
      await app.close();
    }
  });

  it('passes an unexpected error of a verifier to next()', async () => {
    const app = await startExpress((express) => {
      express.get(
        '/protected',
        requireAiAccessToken({
          verifier: () => {
            throw new Error('bug');
          },
        }),
        (_req, res) => {
          res.send('unreachable');
        },
      );
    });
    try {
      const response = await fetch(`${app.origin}/protected`, {
        headers: { authorization: 'Bearer x' },
      });
      expect(response.status).toBe(500);
    } finally {
      await app.close();
    }
  });
});
