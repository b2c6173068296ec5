// `npm start`: the whole minting story on one screen, with an ephemeral key.
import { AiAccessToken } from './token/ai-access-token';
import { SigningKey } from './keys/signing-key';
import { humanTime } from './time';

const TIME_CLAIMS = new Set(['iat', 'nbf', 'exp']);

function main(): void {
  const signingKey = SigningKey.generate();
  const token = new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions'],
    issuer: 'https://gitlab.example.com',
    signingKey,
  });
  const now = new Date();
  const lines = [
    `Minted an AI access token with an ephemeral RSA-${signingKey.modulusLength} key (kid ${signingKey.kid}).`,
    '',
    'Token:',
    token.encoded(),
    '',
    'Header:',
    JSON.stringify(token.header(), null, 2),
    '',
    'Claims:',
    ...Object.entries(token.payload()).map(([name, value]) => {
      const shown = JSON.stringify(value);
      return TIME_CLAIMS.has(name) && typeof value === 'number'
        ? `  ${name.padEnd(12)} ${shown}  ${humanTime(value, now)}`
        : `  ${name.padEnd(12)} ${shown}`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
