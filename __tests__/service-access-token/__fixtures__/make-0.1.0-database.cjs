// Writes tokens-0.1.0.sqlite, the fixture of the read-compatibility test, with the 0.1.0 store.
// Run it against a build of the 0.1.0 sources, never against the current code. The committed file
// was made from commit bd764f2 (0.1.0, before rows bound their table and identity):
//
//   git archive bd764f2 | tar -x -C /tmp/v010 && cd /tmp/v010 && npm ci
//   npx tsc -p tsconfig.build.json --outDir dist
//   node __tests__/service-access-token/__fixtures__/make-0.1.0-database.cjs /tmp/v010/dist/index.js
//
// The key is a test key, public on purpose.
const { rmSync } = require('node:fs');
const { join } = require('node:path');

const [distIndex] = process.argv.slice(2);
if (distIndex === undefined)
  throw new Error('usage: make-0.1.0-database.cjs <0.1.0 dist/index.js>');
const { SqliteServiceAccessTokenStore } = require(distIndex);

const filename = join(__dirname, 'tokens-0.1.0.sqlite');
rmSync(filename, { force: true });
const store = new SqliteServiceAccessTokenStore({
  filename,
  encryptionKey: Buffer.alloc(32, 0x15),
});
(async () => {
  await store.save({ token: 'token-expired-0.1.0', expiresAt: new Date('2001-01-01T00:00:00Z') });
  await store.save({ token: 'token-older-0.1.0', expiresAt: new Date('2099-01-01T00:00:00Z') });
  await store.save({ token: 'token-newest-0.1.0', expiresAt: new Date('2100-01-01T00:00:00Z') });
  await store.close();
})();
