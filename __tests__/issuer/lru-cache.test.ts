import fc from 'fast-check';
import { LruCache } from '../../src/issuer/lru-cache';

describe('LruCache', () => {
  it('forgets the least recently used entry beyond its bound', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // b is now the least recently used
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('counts a replaced key as most recently used, without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBe(10);
    expect(cache.get('b')).toBeUndefined();
  });

  it('does not reorder on a miss, and clears', () => {
    const cache = new LruCache<string, number>(1);
    cache.set('a', 1);
    expect(cache.get('x')).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});

describe('LruCache against a reference model', () => {
  it('agrees with an array-based LRU on any sequence of reads and writes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6 }), fc.integer()), {
          maxLength: 60,
        }),
        (maxEntries, operations) => {
          const cache = new LruCache<number, number>(maxEntries);
          // Most recently used last.
          let model: [number, number][] = [];
          for (const [isWrite, key, value] of operations) {
            const index = model.findIndex(([k]) => k === key);
            if (isWrite) {
              cache.set(key, value);
              if (index !== -1) model.splice(index, 1);
              model.push([key, value]);
              if (model.length > maxEntries) model = model.slice(1);
            } else {
              const expected = index === -1 ? undefined : model[index]![1];
              if (index !== -1) model.push(...model.splice(index, 1));
              expect(cache.get(key)).toBe(expected);
            }
            expect(cache.size).toBe(model.length);
          }
          for (const [key, value] of model) expect(cache.get(key)).toBe(value);
        },
      ),
    );
  });
});
