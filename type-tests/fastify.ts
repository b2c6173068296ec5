// Type tests of `ai-access-token/fastify`: the plugin's decorators are typed by module augmentation.
import Fastify from 'fastify';
import { KeyRing, SigningKey, type VerifiedAiAccessToken } from 'ai-access-token';
import { aiAccessTokenPlugin } from 'ai-access-token/fastify';

async function main(): Promise<void> {
  const app = Fastify();
  const ring = new KeyRing(SigningKey.generate());
  await app.register(aiAccessTokenPlugin, {
    keys: ring,
    discovery: { issuer: 'https://gitlab.example.com', keys: () => ring },
  });
  app.get(
    '/chat',
    { preHandler: app.requireAiAccessToken({ requiredScopes: ['duo_chat'] }) },
    (request) => {
      const token: VerifiedAiAccessToken | undefined = request.aiAccessToken;
      return { subject: token?.subject };
    },
  );
  // @ts-expect-error requiredScopes is a list
  app.requireAiAccessToken({ requiredScopes: 'duo_chat' });
  // @ts-expect-error the plugin's options are checked
  await app.register(aiAccessTokenPlugin, { keys: ring, realm: 1 });
}
void main;
