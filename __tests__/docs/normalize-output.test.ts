import { matchesShown, normalize } from './normalize-output';

describe('normalize', () => {
  it('replaces tokens, key ids and times', () => {
    expect(normalize('token eyJhbGciOi.eyJzdWIi.c2ln at 2026-12-03T20:00:00Z\n\n')).toBe(
      'token <JWT> at <TIME>',
    );
  });

  it('reads a key id containing "eyJ" as a key id, not as a token', () => {
    expect(normalize('TYRnM_PyEvJCy_Nqhe_ZGHVvHCYeyJ0Xq2pW9kLmN3o')).toBe('<KID>');
  });

  it('lets … stand for text within a line and ... for lines', () => {
    expect(
      matchesShown('kid: TYRnM_PyEvJCy_Nqhe_ZGHVvHCYeyJ0Xq2pW9kLmN3o\nb\nc\n', 'kid: …\n...\nc'),
    ).toBe(true);
  });
});
