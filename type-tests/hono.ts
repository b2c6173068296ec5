// Type tests of `ai-access-token/hono`: `c.get('aiAccessToken')` is typed through Variables.
import { Hono } from 'hono';
import { KeyRing, SigningKey, type VerifiedAiAccessToken } from 'ai-access-token';
import {
  discoveryRoutes,
  requireAiAccessToken,
  tokenRoute,
  type AiAccessTokenEnv,
} from 'ai-access-token/hono';

const ring = new KeyRing(SigningKey.generate());
const app = new Hono();
app.use(discoveryRoutes({ issuer: 'https://gitlab.example.com', keys: () => ring }));
app.post('/v2/code/completions', requireAiAccessToken({ keys: ring }), (c) => {
  // Inferred from the middleware: no Env type needed on the app.
  const token: VerifiedAiAccessToken = c.get('aiAccessToken');
  // @ts-expect-error the variable is a verified token, not a string
  const wrong: string = c.get('aiAccessToken');
  return c.json({ subject: token.subject, wrong });
});
const guarded = new Hono<AiAccessTokenEnv>();
guarded.use(requireAiAccessToken({ keys: ring }));
guarded.get('/me', (c) => c.text(c.get('aiAccessToken').subject ?? ''));
declare const issuer: import('ai-access-token').AiAccessTokenIssuer;
app.all(
  '/api/v4/code_suggestions/tokens',
  tokenRoute({
    issuer,
    authenticate: (c) =>
      Promise.resolve(c.req.header('x-user') ? { subject: 'u', scopes: ['duo_chat'] } : undefined),
  }),
);
