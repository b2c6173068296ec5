// `npm run example:gateway`: the whole token flow on one machine, with two real Express servers on
// 127.0.0.1 (ephemeral ports) and the built package imported by name, as a consumer would.
//
//   backend  publishes its keys (discoveryRouter) and serves the tokens endpoint (tokenRoute)
//   gateway  guards its completion route with requireAiAccessToken, verifying `Authorization:
//            Bearer` tokens against the backend's published keys (createRemoteKeySet)
//
// An editor gets a token from the backend's tokens endpoint and calls the gateway with it; the
// backend then calls the gateway with a legacy-audience token and a token without the
// code_suggestions scope. Each answer is printed, and both servers stop.
import express from 'express';
import {
  AiAccessToken,
  AiAccessTokenIssuer,
  CODE_SUGGESTIONS_SCOPE,
  KeyRing,
  LEGACY_CODE_SUGGESTIONS_AUDIENCE,
  SigningKey,
  createRemoteKeySet,
} from 'ai-access-token';
import { discoveryRouter, requireAiAccessToken, tokenRoute } from 'ai-access-token/express';

const log = (who, message) => process.stdout.write(`${who.padEnd(8)} ${message}\n`);

/** Listens on 127.0.0.1 with a port the OS picks; resolves to the server and its origin. */
function listen(app) {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error) => {
      if (error) reject(error);
      else resolve({ server, origin: `http://127.0.0.1:${server.address().port}` });
    });
  });
}

function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// --- The backend: its issuer URL is its own origin, and it publishes its key ring there. ---------
const ring = new KeyRing(SigningKey.generate());
const backendApp = express();
const backend = await listen(backendApp);
const issuer = backend.origin;
backendApp.use(discoveryRouter({ issuer, keys: () => ring }));
// The tokens endpoint: a signed-in user (here: anyone with a session cookie) gets a token.
backendApp.all(
  '/api/v4/code_suggestions/tokens',
  tokenRoute({
    issuer: new AiAccessTokenIssuer({ issuer, signingKey: () => ring }),
    authenticate: async (req) =>
      req.get('cookie') === 'session=editor'
        ? { subject: 'user-42', scopes: [CODE_SUGGESTIONS_SCOPE, 'duo_chat'] }
        : undefined,
  }),
);
log('backend', `issuer ${issuer}, publishing key ${ring.current.kid}`);

// --- The gateway stand-in: trusts that issuer, fetches its keys on first use. --------------------
const remoteKeys = createRemoteKeySet({
  issuers: [issuer],
  // Global fetch, wrapped only to show which documents the gateway reads and when.
  fetch: (url, init) => {
    log('gateway', `GET ${url}`);
    return fetch(url, init);
  },
  onError: (error) => log('gateway', `key fetch failed (${error.reason}): ${error.message}`),
});

const gatewayApp = express();
gatewayApp.use(express.json({ limit: '64kb' }));
gatewayApp.post(
  '/v2/code/completions',
  // Both audiences are accepted (the default); a legacy token is granted code_suggestions.
  requireAiAccessToken({ keys: remoteKeys, issuer, requiredScopes: [CODE_SUGGESTIONS_SCOPE] }),
  (req, res) => {
    const verified = req.aiAccessToken;
    const { prompt = '' } = req.body ?? {};
    log(
      'gateway',
      `accepted ${verified.subject}: audience ${verified.audience}${verified.legacy ? ' (legacy)' : ''}, scopes ${JSON.stringify(verified.scopes)}`,
    );
    res.json({
      model: 'fake-code-model',
      completion: `${prompt}\n    return a + b`,
      subject: verified.subject,
      scopes: verified.scopes,
    });
  },
);
const gateway = await listen(gatewayApp);
const gatewayUrl = gateway.origin;
log('gateway', `listening on ${gatewayUrl}, trusting issuer ${issuer}`);

// --- The backend calls the gateway. ---------------------------------------------------------------
async function complete(description, tokenOptions) {
  const token =
    typeof tokenOptions === 'string'
      ? tokenOptions
      : new AiAccessToken({
          subject: 'user-42',
          issuer,
          signingKey: ring,
          ...tokenOptions,
        }).encoded();
  log('backend', `POST /v2/code/completions with ${description}`);
  const response = await fetch(`${gatewayUrl}/v2/code/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'def add(a, b):' }),
  });
  const body = await response.json();
  log('backend', `${response.status} ${JSON.stringify(body)}`);
  return response.status;
}

let statuses;
try {
  // The editor's side: the tokens endpoint answers { access_token, expires_in, created_at }.
  const tokens = await fetch(`${issuer}/api/v4/code_suggestions/tokens`, {
    method: 'POST',
    headers: { cookie: 'session=editor' },
  });
  const { access_token: accessToken, expires_in: expiresIn } = await tokens.json();
  log('editor', `POST /api/v4/code_suggestions/tokens: ${tokens.status}, expires_in ${expiresIn}`);
  statuses = [
    await complete(
      'the token from the tokens endpoint (scopes code_suggestions, duo_chat)',
      accessToken,
    ),
    await complete(`a legacy token (audience ${LEGACY_CODE_SUGGESTIONS_AUDIENCE})`, {
      scopes: ['duo_chat'],
      audience: LEGACY_CODE_SUGGESTIONS_AUDIENCE,
    }),
    await complete('a token without the code_suggestions scope', { scopes: ['duo_chat'] }),
  ];
} finally {
  await Promise.all([close(gateway.server), close(backend.server)]);
  log('example', 'both servers stopped');
}

const expected = [200, 200, 403];
if (JSON.stringify(statuses) !== JSON.stringify(expected)) {
  log(
    'example',
    `unexpected statuses ${JSON.stringify(statuses)}; expected ${JSON.stringify(expected)}`,
  );
  process.exitCode = 1;
}
