// The Fastify adapter's route guard, on a real Fastify 5 server on 127.0.0.1.
import Fastify, { type FastifyInstance } from 'fastify';
import { aiAccessTokenPlugin, type AiAccessTokenPluginOptions } from '../../src/fastify';
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { testKey } from '../helpers/keys';
import { discoveryContract } from '../http/discovery-contract';
import { guardContract, type GuardApp } from '../http/guard-contract';
import { TOKENS_PATH, tokenEndpointContract } from '../http/token-endpoint-contract';

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

tokenEndpointContract('Fastify', ({ issuer, user, enabled }) =>
  startFastify(
    {
      verifier: () => {
        throw new Error('no route of this app is guarded');
      },
      tokenEndpoint: {
        path: TOKENS_PATH,
        issuer,
        enabled,
        authenticate: (request) =>
          Promise.resolve(
            user(header(request.headers['x-user']), header(request.headers['x-scopes'])),
          ),
      },
    },
    () => undefined,
  ),
);

discoveryContract('Fastify', (discovery) =>
  startFastify({ keys: testKey().publicKey, discovery }, (app) => {
    app.get('/other', () => 'other');
  }),
);

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

describe('Fastify encapsulation', () => {
  const ring = new KeyRing(testKey('fastify'));
  const token = new AiAccessToken({
    subject: 'user-42',
    scopes: ['duo_chat'],
    issuer: 'https://gitlab.example.com',
    signingKey: ring,
  }).encoded();

  it('makes its decorators visible in the registering context and its children, per-route scopes', async () => {
    const app = Fastify();
    await app.register(async (child) => {
      await child.register(aiAccessTokenPlugin, { keys: ring });
      child.get(
        '/chat',
        { preHandler: child.requireAiAccessToken({ requiredScopes: ['duo_chat'] }) },
        (request) => ({
          subject: request.aiAccessToken?.subject,
        }),
      );
      child.get(
        '/code',
        { preHandler: child.requireAiAccessToken({ requiredScopes: ['code_suggestions'] }) },
        () => 'unreachable',
      );
      await child.register((grandchild, _options, done) => {
        grandchild.get(
          '/nested',
          { preHandler: grandchild.requireAiAccessToken() },
          () => 'nested',
        );
        done();
      });
    });
    // The sibling context that did not register the plugin has no decorator.
    await app.register((sibling, _options, done) => {
      expect(sibling.hasDecorator('requireAiAccessToken')).toBe(false);
      done();
    });
    const origin = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const authorization = `Bearer ${token}`;
      const chat = await fetch(`${origin}/chat`, { headers: { authorization } });
      expect(chat.status).toBe(200);
      expect(await chat.json()).toEqual({ subject: 'user-42' });
      const code = await fetch(`${origin}/code`, { headers: { authorization } });
      expect(code.status).toBe(403);
      expect(code.headers.get('www-authenticate')).toContain('scope="code_suggestions"');
      const nested = await fetch(`${origin}/nested`, { headers: { authorization } });
      expect(await nested.text()).toBe('nested');
      expect(app.hasDecorator('requireAiAccessToken')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('fails register with the typed error of a bad option', async () => {
    const app = Fastify();
    await expect(
      app.register(aiAccessTokenPlugin, { keys: ring, realm: 'a"b' }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_CLAIM',
      option: 'realm',
    });
    await expect(
      Fastify().register(aiAccessTokenPlugin, {
        keys: ring,
        tokenEndpoint: {
          path: 'tokens',
          issuer: new AiAccessTokenIssuer({ issuer: 'https://i.example', signingKey: ring }),
          authenticate: () => Promise.resolve(undefined),
        },
      }),
    ).rejects.toMatchObject({ option: 'tokenEndpoint.path' });
  });
});
