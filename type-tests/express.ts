// Type tests of `ai-access-token/express`: `req.aiAccessToken` is typed by declaration merging.
import express from 'express';
import {
  KeyRing,
  SigningKey,
  createRemoteKeySet,
  type VerifiedAiAccessToken,
} from 'ai-access-token';
import { discoveryRouter, requireAiAccessToken, tokenRoute } from 'ai-access-token/express';

const app = express();
const ring = new KeyRing(SigningKey.generate());
app.use(discoveryRouter({ issuer: 'https://gitlab.example.com', keys: () => ring }));
app.post(
  '/v2/code/completions',
  requireAiAccessToken({
    keys: createRemoteKeySet({ issuers: ['https://gitlab.example.com'] }),
    requiredScopes: ['code_suggestions'],
  }),
  (req, res) => {
    const token: VerifiedAiAccessToken | undefined = req.aiAccessToken;
    // @ts-expect-error the token may be absent on a route the middleware does not guard
    const subject: string = req.aiAccessToken.subject;
    res.json({ subject: token?.subject, also: subject });
  },
);
declare const issuer: import('ai-access-token').AiAccessTokenIssuer;
app.all(
  '/api/v4/code_suggestions/tokens',
  tokenRoute({
    issuer,
    // authenticate gets Express's request, not a bare IncomingMessage.
    authenticate: (req) =>
      Promise.resolve(req.get('x-user') ? { subject: 'u', scopes: ['duo_chat'] } : undefined),
  }),
);
// @ts-expect-error a guard needs keys or a verifier of the right type
requireAiAccessToken({ keys: 42 });
// @ts-expect-error requiredScopes is a list
requireAiAccessToken({ keys: ring, requiredScopes: 'duo_chat' });
