// The Fastify adapter's route guard, on a real Fastify 5 server on 127.0.0.1.
import Fastify, { type FastifyInstance } from 'fastify';
import { aiAccessTokenPlugin, type AiAccessTokenPluginOptions } from '../../src/fastify';
import { guardContract, type GuardApp } from '../http/guard-contract';

export async function startFastify(
  options: AiAccessTokenPluginOptions,
  routes: (app: FastifyInstance) => void,
): Promise<GuardApp> {
  const app = Fastify();
  await app.register(aiAccessTokenPlugin, options);
  routes(app);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { origin: address, close: () => app.close() };
}

guardContract('Fastify', (options) =>
  startFastify(options, (app) => {
    app.get('/protected', { preHandler: app.requireAiAccessToken() }, (request) => ({
      subject: request.aiAccessToken?.subject,
      scopes: request.aiAccessToken?.scopes,
    }));
  }),
);
