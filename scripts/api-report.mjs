// API report gate: one api-extractor report per entry point of the `exports` map, checked in
// under etc/. `node scripts/api-report.mjs` fails when the public API differs from the report;
// `node scripts/api-report.mjs --update` rewrites the reports (review the diff, then commit).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
const configs = [
  'api-extractor.json',
  'api-extractor.testing.json',
  'api-extractor.jest-setup.json',
  'api-extractor.codemod.json',
  'api-extractor.express.json',
  'api-extractor.fastify.json',
  'api-extractor.hono.json',
  'api-extractor.pkcs11.json',
];

let failed = false;
for (const name of configs) {
  const config = ExtractorConfig.loadFileAndPrepare(join(root, 'etc', name));
  if (!existsSync(config.mainEntryPointFilePath)) {
    console.error(`api-report: ${config.mainEntryPointFilePath} is missing; run npm run build`);
    failed = true;
    continue;
  }
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  if (!result.succeeded) {
    failed = true;
    console.error(
      `api-report: ${name}: the public API changed (${result.errorCount} errors, ${result.warningCount} warnings).` +
        ' If the change is deliberate, run `npm run api:update`, review etc/*.api.md and commit it.',
    );
  } else if (result.apiReportChanged) {
    console.log(`api-report: ${name}: report updated`);
  }
}
process.exitCode = failed ? 1 : 0;
