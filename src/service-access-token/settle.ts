/**
 * Runs synchronous work as a Promise: a throw becomes a rejection, as callers of an async API
 * expect. The stores' work is synchronous (in memory, or better-sqlite3, which is synchronous by
 * design); their interface is async so that a network database fits it too.
 */
export function settle<T>(work: () => T): Promise<T> {
  // The executor runs synchronously and turns a throw into a rejection.
  return new Promise((resolve) => {
    resolve(work());
  });
}
