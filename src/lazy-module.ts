/**
 * A stand-in for a module's exports that loads the module the first time one of `names` is read,
 * then turns every name into a plain value, so later reads cost what reading an object's property
 * costs. The build wires the main entry's optional features (verification, stores, discovery,
 * gateway headers, the tokens endpoint) through it: a process that only mints never loads them
 * (see `scripts/lazy-entry.mjs`).
 *
 * Only `require()` gains from it: Node's ES module loader reads every named export of a CommonJS
 * module when it is imported, so `import … from 'ai-access-token'` loads every module, as before.
 * It also swallows an error thrown by such a read (the name is then `undefined`), where `require()`
 * rethrows it at every read; the modules loaded this way need only Node's built-ins and the
 * package's own dependencies, so a load does not fail on a working install.
 *
 * @internal
 * @example
 * ```ts
 * const store = lazyModule(() => require('./service-access-token/sqlite-store'), [
 *   'SqliteServiceAccessTokenStore',
 * ]);
 * store.SqliteServiceAccessTokenStore; // loads the module here
 * ```
 */
export function lazyModule(
  load: () => Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown> {
  const stand = {} as Record<string, unknown>;
  const materialise = (): Record<string, unknown> => {
    const loaded = load();
    for (const name of names) {
      Object.defineProperty(stand, name, {
        value: loaded[name],
        enumerable: true,
        configurable: false,
      });
    }
    return loaded;
  };
  for (const name of names) {
    Object.defineProperty(stand, name, {
      configurable: true,
      enumerable: true,
      get: () => materialise()[name],
    });
  }
  return stand;
}
