import { unifiedDiff } from '../../src/codemod/unified-diff';

const labels = { oldLabel: 'a/f.ts', newLabel: 'b/f.ts' };

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n', labels)).toBe('');
  });

  it('prints one hunk with three lines of context', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', ''].join('\n');
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8', ''].join('\n');
    expect(unifiedDiff(before, after, labels)).toBe(
      [
        '--- a/f.ts',
        '+++ b/f.ts',
        '@@ -2,7 +2,7 @@',
        ' 2',
        ' 3',
        ' 4',
        '-5',
        '+five',
        ' 6',
        ' 7',
        ' 8',
        '',
      ].join('\n'),
    );
  });

  it('splits distant changes into hunks and counts insertions and deletions', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const after = [...lines];
    after.splice(1, 1); // delete line 2
    after.splice(16, 0, 'inserted'); // insert before line 18
    expect(unifiedDiff(`${lines.join('\n')}\n`, `${after.join('\n')}\n`, labels)).toBe(
      [
        '--- a/f.ts',
        '+++ b/f.ts',
        '@@ -1,5 +1,4 @@',
        ' line 1',
        '-line 2',
        ' line 3',
        ' line 4',
        ' line 5',
        '@@ -15,6 +14,7 @@',
        ' line 15',
        ' line 16',
        ' line 17',
        '+inserted',
        ' line 18',
        ' line 19',
        ' line 20',
        '',
      ].join('\n'),
    );
  });

  it('marks a missing final line break', () => {
    expect(unifiedDiff('a\nb', 'a\nc', labels)).toBe(
      [
        '--- a/f.ts',
        '+++ b/f.ts',
        '@@ -1,2 +1,2 @@',
        ' a',
        '-b',
        '\\ No newline at end of file',
        '+c',
        '\\ No newline at end of file',
        '',
      ].join('\n'),
    );
  });

  it('diffs from and to an empty text', () => {
    expect(unifiedDiff('', 'x\n', labels)).toBe('--- a/f.ts\n+++ b/f.ts\n@@ -0,0 +1 @@\n+x\n');
    expect(unifiedDiff('x\n', '', labels)).toBe('--- a/f.ts\n+++ b/f.ts\n@@ -1 +0,0 @@\n-x\n');
  });
});
