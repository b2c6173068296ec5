import { lazyModule } from '../src/lazy-module';

describe('lazyModule', () => {
  it('loads the module once, at the first read of one of its names', () => {
    let loads = 0;
    const stand = lazyModule(() => {
      loads += 1;
      return { a: 1, b: 'two', unlisted: true };
    }, ['a', 'b']);
    expect(loads).toBe(0);
    expect(Object.keys(stand)).toEqual(['a', 'b']);
    expect(loads).toBe(0);
    expect(stand.b).toBe('two');
    expect(stand.a).toBe(1);
    expect(stand.a).toBe(1);
    expect(loads).toBe(1);
    expect(stand.unlisted).toBeUndefined();
  });

  it('turns every name into a plain value after the load', () => {
    const stand = lazyModule(() => ({ a: 1, b: 2 }), ['a', 'b']);
    expect(stand.a).toBe(1);
    expect(Object.getOwnPropertyDescriptor(stand, 'b')).toEqual({
      value: 2,
      enumerable: true,
      writable: false,
      configurable: false,
    });
  });

  it('lets a failing load fail again at the next read instead of caching undefined', () => {
    let attempts = 0;
    const stand = lazyModule(() => {
      attempts += 1;
      throw new Error('cannot load');
    }, ['a']);
    expect(() => stand.a).toThrow('cannot load');
    expect(() => stand.a).toThrow('cannot load');
    expect(attempts).toBe(2);
  });
});
