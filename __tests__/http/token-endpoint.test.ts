// createTokenEndpoint as a plain node:http handler, on a real server on 127.0.0.1.
import { createTokenEndpoint } from '../../src/http/token-endpoint';
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import { closeAllServers, startServer } from '../discovery/servers';
import { testKey } from '../helpers/keys';
import { TOKENS_PATH, tokenEndpointContract } from './token-endpoint-contract';

afterAll(closeAllServers);

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

tokenEndpointContract('node:http', async ({ issuer, user, enabled }) => {
  const server = await startServer(
    createTokenEndpoint({
      issuer,
      enabled,
      authenticate: (req) =>
        Promise.resolve(user(header(req.headers['x-user']), header(req.headers['x-scopes']))),
    }),
  );
  return server;
});

describe('createTokenEndpoint', () => {
  const issuer = new AiAccessTokenIssuer({ issuer: 'https://i.example', signingKey: testKey() });

  it('answers 500 with no detail when authenticate throws and there is no next', async () => {
    const server = await startServer(
      createTokenEndpoint({
        issuer,
        authenticate: () => Promise.reject(new Error('session store down: secret detail')),
      }),
    );
    const response = await fetch(`${server.origin}${TOKENS_PATH}`, { method: 'POST' });
    expect(response.status).toBe(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal_error', code: 'ERR_INTERNAL' });
    expect(text).not.toContain('secret');
  });

  it('passes the error to next when given one', async () => {
    const handler = createTokenEndpoint({
      issuer,
      authenticate: () => Promise.reject(new Error('down')),
    });
    const errors: unknown[] = [];
    const server = await startServer((req, res) => {
      handler(req, res, (error) => {
        errors.push(error);
        res.statusCode = 502;
        res.end();
      });
    });
    const response = await fetch(server.origin, { method: 'POST' });
    expect(response.status).toBe(502);
    expect(errors).toEqual([new Error('down')]);
  });

  it.each([
    [
      'an issuer that is not an AiAccessTokenIssuer',
      { issuer: {}, authenticate: (): undefined => undefined },
      'issuer',
    ],
    ['no authenticate', { issuer }, 'authenticate'],
    [
      'an enabled that is not a function',
      { issuer, authenticate: (): undefined => undefined, enabled: true },
      'enabled',
    ],
    ['an unknown option', { issuer, authenticate: (): undefined => undefined, path: '/x' }, 'path'],
  ])('refuses %s, naming the option', (_, options, option) => {
    expect(() => createTokenEndpoint(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option }),
    );
  });
});
