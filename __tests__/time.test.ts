import { describe as describeValue, humanTime } from '../src/time';

const NOW = new Date('2026-01-01T00:00:00Z');

describe('describe (values in error messages)', () => {
  it.each<[string, unknown, string]>([
    ['a short array as JSON', ['a', 1], '["a",1]'],
    [
      'an array longer than 40 characters by its size',
      Array.from({ length: 20 }, () => 'scope'),
      'an array of 20 items',
    ],
    ['an array JSON cannot write by its size', [1n, 2n], 'an array of 2 items'],
  ])('gives %s', (_name, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});

describe('humanTime', () => {
  it('gives the ISO time and the distance from now', () => {
    expect(humanTime(1767229200, NOW)).toBe('2026-01-01T01:00:00.000Z (in 1 hour)');
    expect(humanTime(1767218400, NOW)).toBe('2025-12-31T22:00:00.000Z (2 hours ago)');
  });

  it('gives the number itself when it is no representable time', () => {
    expect(humanTime(1e20, NOW)).toBe('100000000000000000000');
  });
});
