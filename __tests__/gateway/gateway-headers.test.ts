// Both sides of the request headers: a sender's gatewayHeaders(token) and a receiver's
// checkGatewayHeaders(verified, headers), through a real HTTP server on 127.0.0.1.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidClaimError, TokenVerificationError } from '../../src/errors';
import {
  checkGatewayHeaders,
  type SeatCountMismatch,
} from '../../src/gateway/check-gateway-headers';
import { gatewayHeaders } from '../../src/gateway/gateway-headers';
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import { AiAccessToken } from '../../src/token/ai-access-token';
import type { AiAccessTokenOptions } from '../../src/token/options';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { forgeRs256, thrown } from '../verify/forge';
import { testKey } from '../helpers/keys';

const NOW = new Date('2026-01-01T00:00:00Z');
const now = () => NOW;
const ISSUER = 'https://gitlab.example.com';
const GATEWAY_ISSUER = 'gitlab-ai-gateway';
const key = testKey();

const instanceToken: AiAccessTokenOptions = {
  subject: 'instance-7f3a',
  instanceId: 'instance-7f3a',
  duoSeatCount: 25,
  gitlabRealm: 'self-managed',
  scopes: ['code_suggestions'],
  issuer: ISSUER,
  signingKey: key,
  now,
};

const verify = (token: string) => verifyAiAccessToken(token, { keys: key, now });

describe('gatewayHeaders', () => {
  it('derives realm, instance id and seat count from the token, and adds the request user', () => {
    const token = new AiAccessToken(instanceToken);
    expect(gatewayHeaders(token, { globalUserId: 'Vn3BrB1sS0e3' })).toStrictEqual({
      'X-Gitlab-Realm': 'self-managed',
      'X-Gitlab-Instance-Id': 'instance-7f3a',
      'X-Gitlab-Global-User-Id': 'Vn3BrB1sS0e3',
      'X-Gitlab-Duo-Seat-Count': '25',
    });
  });

  it('sends only what the token has: no seat count header without the claim', () => {
    const token = new AiAccessToken({
      subject: 'user-42',
      scopes: ['duo_chat'],
      issuer: ISSUER,
      now,
    });
    expect(gatewayHeaders(token)).toStrictEqual({
      'X-Gitlab-Realm': 'saas',
      'X-Gitlab-Instance-Id': 'user-42',
    });
  });

  it('reads a token string the same way (what the issuer and resolveAccessToken return)', () => {
    const issuer = new AiAccessTokenIssuer({ issuer: ISSUER, signingKey: key, now });
    const encoded = issuer.issue({
      subject: 'instance-7f3a',
      instanceId: 'instance-7f3a',
      duoSeatCount: 25,
      gitlabRealm: 'self-managed',
      scopes: ['code_suggestions'],
    });
    expect(gatewayHeaders(encoded)).toStrictEqual(gatewayHeaders(new AiAccessToken(instanceToken)));
  });

  it('refuses a token whose instanceId differs from its subject: no header could pass', () => {
    const token = new AiAccessToken({ ...instanceToken, subject: 'user-42' });
    const error = thrown(() => gatewayHeaders(token));
    expect(error).toBeInstanceOf(InvalidClaimError);
    expect(error).toMatchObject({ option: 'instanceId' });
    expect(error.message).toMatch(/later gateways compare both with X-Gitlab-Instance-Id/);
    const forged = forgeRs256(
      { alg: 'RS256' },
      { sub: 'user-42', gitlab_instance_id: 'instance-7f3a', exp: 2e9, aud: 'x' },
      key.privateKey,
    );
    expect(() => gatewayHeaders(forged)).toThrow(InvalidClaimError);
  });

  it.each([
    ['an empty globalUserId', { globalUserId: '' }, 'globalUserId'],
    ['a numeric globalUserId', { globalUserId: 42 }, 'globalUserId'],
  ])('refuses %s', (_name, options, option) => {
    const token = new AiAccessToken(instanceToken);
    expect(thrown(() => gatewayHeaders(token, options as never))).toMatchObject({
      code: 'ERR_INVALID_CLAIM',
      option,
    });
  });

  it('refuses token strings it cannot read', () => {
    expect(thrown(() => gatewayHeaders('not a token'))).toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    });
    const numericSeats = forgeRs256(
      { alg: 'RS256' },
      { sub: 'i', duo_seat_count: 3 },
      key.privateKey,
    );
    expect(thrown(() => gatewayHeaders(numericSeats))).toMatchObject({ code: 'ERR_TOKEN_CLAIMS' });
    const noSubject = forgeRs256({ alg: 'RS256' }, { gitlab_realm: 'saas' }, key.privateKey);
    expect(thrown(() => gatewayHeaders(noSubject))).toMatchObject({ option: 'token' });
  });
});

describe('checkGatewayHeaders', () => {
  const verified = verify(new AiAccessToken(instanceToken).encoded());
  const sent = gatewayHeaders(new AiAccessToken(instanceToken), { globalUserId: 'Vn3BrB1sS0e3' });
  const withHeader = (name: string, value: string | undefined): Record<string, string> => {
    const others = Object.fromEntries(Object.entries(sent).filter(([key]) => key !== name));
    return value === undefined ? others : { ...others, [name]: value };
  };

  it('accepts the headers gatewayHeaders produced, in every accepted form', () => {
    const lower = Object.fromEntries(Object.entries(sent).map(([k, v]) => [k.toLowerCase(), v]));
    const upper = Object.fromEntries(Object.entries(sent).map(([k, v]) => [k.toUpperCase(), v]));
    for (const headers of [sent, lower, upper, new Headers(sent)]) {
      const mismatches: SeatCountMismatch[] = [];
      checkGatewayHeaders(verified, headers, { onSeatCountMismatch: (m) => mismatches.push(m) });
      expect(mismatches).toEqual([]);
    }
  });

  it.each([
    ['X-Gitlab-Realm', 'saas', 'header is "saas"; the token\'s gitlab_realm is "self-managed"'],
    ['X-Gitlab-Realm', undefined, 'header is missing; the token\'s gitlab_realm is "self-managed"'],
    [
      'X-Gitlab-Instance-Id',
      'instance-0000',
      'header is "instance-0000"; the token\'s gitlab_instance_id is "instance-7f3a"',
    ],
    [
      'X-Gitlab-Instance-Id',
      undefined,
      'header is missing; the token\'s gitlab_instance_id is "instance-7f3a"',
    ],
  ])('throws ERR_TOKEN_HEADER_MISMATCH when %s is %p', (header, value, message) => {
    const headers = withHeader(header, value);
    const error = thrown(() => {
      checkGatewayHeaders(verified, headers);
    });
    expect(error).toBeInstanceOf(TokenVerificationError);
    expect(error.code).toBe('ERR_TOKEN_HEADER_MISMATCH');
    expect(error.message).toBe(`${header} ${message}`);
  });

  it('compares sub with X-Gitlab-Instance-Id for a token without gitlab_instance_id', () => {
    const bare = verify(new AiAccessToken({ ...instanceToken, instanceId: undefined }).encoded());
    checkGatewayHeaders(bare, {
      'x-gitlab-realm': 'self-managed',
      'x-gitlab-instance-id': 'instance-7f3a',
    });
    const error = thrown(() => {
      checkGatewayHeaders(bare, {
        'x-gitlab-realm': 'self-managed',
        'x-gitlab-instance-id': 'other',
      });
    });
    expect(error.message).toBe(
      'X-Gitlab-Instance-Id header is "other"; the token\'s sub is "instance-7f3a"',
    );
  });

  it('never compares X-Gitlab-Global-User-Id with a platform token: it belongs to the request', () => {
    for (const user of ['Vn3BrB1sS0e3', 'someone-else', undefined]) {
      const headers = withHeader('X-Gitlab-Global-User-Id', user);
      expect(() => {
        checkGatewayHeaders(verified, headers);
      }).not.toThrow();
    }
  });

  it('compares sub with X-Gitlab-Global-User-Id for a token the gateway issued itself', () => {
    const selfIssued = verify(
      forgeRs256(
        { alg: 'RS256' },
        {
          iss: GATEWAY_ISSUER,
          aud: 'gitlab-ai-gateway',
          sub: 'Vn3BrB1sS0e3',
          exp: NOW.getTime() / 1000 + 60,
          gitlab_realm: 'self-managed',
          gitlab_instance_id: 'instance-7f3a',
        },
        key.privateKey,
      ),
    );
    const options = { userSubjectIssuers: [GATEWAY_ISSUER] };
    checkGatewayHeaders(selfIssued, sent, options);
    const error = thrown(() => {
      checkGatewayHeaders(
        selfIssued,
        { ...sent, 'X-Gitlab-Global-User-Id': 'someone-else' },
        options,
      );
    });
    expect(error.message).toBe(
      'X-Gitlab-Global-User-Id header is "someone-else"; the token\'s sub is "Vn3BrB1sS0e3"',
    );
    // Without the option the gateway's own token reads as an instance token, and fails.
    expect(
      thrown(() => {
        checkGatewayHeaders(selfIssued, sent);
      }).code,
    ).toBe('ERR_TOKEN_HEADER_MISMATCH');
  });

  it.each([
    ['a different count', '24', { claim: '25', header: '24' }],
    ['no header', undefined, { claim: '25', header: undefined }],
  ])(
    'reports a seat count mismatch (%s) to the callback instead of throwing',
    (_name, value, expected) => {
      const headers = withHeader('X-Gitlab-Duo-Seat-Count', value);
      const mismatches: SeatCountMismatch[] = [];
      checkGatewayHeaders(verified, headers, { onSeatCountMismatch: (m) => mismatches.push(m) });
      expect(mismatches).toEqual([expected]);
      expect(() => {
        checkGatewayHeaders(verified, headers);
      }).not.toThrow();
    },
  );

  it('checks nothing a token does not carry', () => {
    const minimal = verify(
      forgeRs256(
        { alg: 'RS256' },
        { aud: 'gitlab-ai-gateway', exp: NOW.getTime() / 1000 + 60 },
        key.privateKey,
      ),
    );
    expect(() => {
      checkGatewayHeaders(minimal, {});
    }).not.toThrow();
  });

  it('joins repeated header values, as Node does', () => {
    const headers: IncomingHttpHeaders = { 'x-gitlab-realm': ['self-managed', 'saas'] as never };
    expect(
      thrown(() => {
        checkGatewayHeaders(verified, headers);
      }).message,
    ).toMatch(/^X-Gitlab-Realm header is "self-managed, saas"/);
  });

  it.each([
    ['headers null', null, {}, 'headers'],
    [
      'onSeatCountMismatch not a function',
      {},
      { onSeatCountMismatch: 'log' },
      'onSeatCountMismatch',
    ],
    [
      'userSubjectIssuers a string',
      {},
      { userSubjectIssuers: GATEWAY_ISSUER },
      'userSubjectIssuers',
    ],
  ])('refuses %s', (_name, headers, options, option) => {
    expect(
      thrown(() => {
        checkGatewayHeaders(verified, headers as never, options as never);
      }),
    ).toMatchObject({
      code: 'ERR_INVALID_CLAIM',
      option,
    });
  });
});

describe('over HTTP: a sender and a receiver on 127.0.0.1', () => {
  let server: Server;
  let url: string;
  const seen: SeatCountMismatch[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      try {
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        const verified = verifyAiAccessToken(token, {
          keys: key,
          audiences: ['gitlab-ai-gateway'],
          now,
        });
        checkGatewayHeaders(verified, req.headers, { onSeatCountMismatch: (m) => seen.push(m) });
        res.writeHead(200).end(`ok ${verified.instanceId ?? ''}`);
      } catch (error) {
        res.writeHead(401).end(error instanceof TokenVerificationError ? error.code : 'error');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const send = async (headers: Record<string, string>) => {
    const response = await fetch(url, { headers });
    return `${response.status} ${await response.text()}`;
  };

  it('accepts a token sent with its gatewayHeaders, and refuses a drifted header', async () => {
    const token = new AiAccessToken(instanceToken);
    const headers = { Authorization: `Bearer ${token.encoded()}`, ...gatewayHeaders(token) };
    expect(await send(headers)).toBe('200 ok instance-7f3a');
    expect(await send({ ...headers, 'X-Gitlab-Realm': 'saas' })).toBe(
      '401 ERR_TOKEN_HEADER_MISMATCH',
    );
    expect(await send({ ...headers, 'X-Gitlab-Duo-Seat-Count': '26' })).toBe(
      '200 ok instance-7f3a',
    );
    expect(seen).toEqual([{ claim: '25', header: '26' }]);
  });
});
