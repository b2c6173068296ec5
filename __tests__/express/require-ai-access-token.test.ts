// The Express adapter's route guard, on a real Express 5 server on 127.0.0.1.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requireAiAccessToken } from '../../src/express';
import { guardContract, type GuardApp } from '../http/guard-contract';
import type { AiAccessTokenGuardOptions } from '../../src/http/bearer-guard';

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
