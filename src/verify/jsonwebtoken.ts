import type jwt from 'jsonwebtoken';

let loaded: typeof jwt | undefined;

/**
 * jsonwebtoken, required on first use: it (and its `semver`, ~50 files) costs more to load than
 * the rest of this package, and a process that only mints never needs it. Still the default
 * export, as `import jwt from 'jsonwebtoken'` would give.
 */
export function jsonwebtoken(): typeof jwt {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('jsonwebtoken') as typeof jwt;
  return loaded;
}
