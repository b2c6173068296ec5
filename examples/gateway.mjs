// `npm run example:gateway`: the whole token flow on one machine, with two real HTTP servers on
// 127.0.0.1 (ephemeral ports) and the built package imported by name, as a consumer would.
//
//   backend  mints AI access tokens and publishes its keys (createDiscoveryHandler)
//   gateway  verifies `Authorization: Bearer` tokens against the backend's published keys
//            (createRemoteKeySet + verifyAiAccessTokenAsync) and answers a fake completion
//
// The backend then calls the gateway with a new token, a legacy-audience token and a token
// without the code_suggestions scope, prints each answer, and both servers stop.
import http from 'node:http';
import {
  AiAccessToken,
  CODE_SUGGESTIONS_SCOPE,
  JwksFetchError,
  KeyRing,
  LEGACY_CODE_SUGGESTIONS_AUDIENCE,
  SigningKey,
  TokenVerificationError,
  createDiscoveryHandler,
  createRemoteKeySet,
  verifyAiAccessTokenAsync,
} from 'ai-access-token';

const log = (who, message) => process.stdout.write(`${who.padEnd(8)} ${message}\n`);

/** Listens on 127.0.0.1 with a port the OS picks; resolves to the server's origin. */
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// --- The backend: its issuer URL is its own origin, and it publishes its key ring there. ---------
const ring = new KeyRing(SigningKey.generate());
const publish = { handler: undefined };
const backend = http.createServer((req, res) => publish.handler(req, res));
const issuer = await listen(backend);
publish.handler = createDiscoveryHandler({ issuer, keys: () => ring });
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

const gateway = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/v2/code/completions') {
    sendJson(res, 404, { error: 'not_found' });
    return;
  }
  const match = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
  if (match === null) {
    sendJson(res, 401, { error: 'missing_bearer_token' });
    return;
  }
  try {
    // Both audiences are accepted (the default); a legacy token is granted code_suggestions.
    const verified = await verifyAiAccessTokenAsync(match[1], {
      keys: remoteKeys,
      issuer,
      requiredScopes: [CODE_SUGGESTIONS_SCOPE],
    });
    const { prompt = '' } = await readJson(req);
    log(
      'gateway',
      `accepted ${verified.subject}: audience ${verified.audience}${verified.legacy ? ' (legacy)' : ''}, scopes ${JSON.stringify(verified.scopes)}`,
    );
    sendJson(res, 200, {
      model: 'fake-code-model',
      completion: `${prompt}\n    return a + b`,
      subject: verified.subject,
      scopes: verified.scopes,
    });
  } catch (error) {
    if (error instanceof TokenVerificationError) {
      log('gateway', `rejected: ${error.code}`);
      sendJson(res, error.code === 'ERR_TOKEN_SCOPE' ? 403 : 401, {
        error: error.code,
        message: error.message,
      });
    } else if (error instanceof JwksFetchError) {
      sendJson(res, 503, { error: error.code, message: error.message });
    } else {
      sendJson(res, 500, { error: 'internal_error' });
    }
  }
});
const gatewayUrl = await listen(gateway);
log('gateway', `listening on ${gatewayUrl}, trusting issuer ${issuer}`);

// --- The backend calls the gateway. ---------------------------------------------------------------
async function complete(description, tokenOptions) {
  const token = new AiAccessToken({
    subject: 'user-42',
    issuer,
    signingKey: ring,
    ...tokenOptions,
  });
  log('backend', `POST /v2/code/completions with ${description}`);
  const response = await fetch(`${gatewayUrl}/v2/code/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.encoded()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'def add(a, b):' }),
  });
  const body = await response.json();
  log('backend', `${response.status} ${JSON.stringify(body)}`);
  return response.status;
}

let statuses;
try {
  statuses = [
    await complete('a new token (scopes code_suggestions, duo_chat)', {
      scopes: ['code_suggestions', 'duo_chat'],
    }),
    await complete(`a legacy token (audience ${LEGACY_CODE_SUGGESTIONS_AUDIENCE})`, {
      scopes: ['duo_chat'],
      audience: LEGACY_CODE_SUGGESTIONS_AUDIENCE,
    }),
    await complete('a token without the code_suggestions scope', { scopes: ['duo_chat'] }),
  ];
} finally {
  await Promise.all([close(gateway), close(backend)]);
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
