import { asByteCharacters, sourceFromBytes } from '../../src/codemod/source-bytes';

describe('sourceFromBytes', () => {
  it.each([
    ['ASCII', Buffer.from('const a = 1;\n')],
    ['UTF-8 with a BOM and CRLF', Buffer.from('\ufeffconst é = "日本";\r\n')],
    ['UTF-8 with U+2028 and U+FFFD in strings', Buffer.from('const s = "\u2028\ufffd";\n')],
  ])('reads %s as UTF-8 and gives the bytes back exactly', (_what, bytes) => {
    const source = sourceFromBytes(bytes);
    expect(source.utf8).toBe(true);
    expect(source.text).toBe(bytes.toString('utf8'));
    expect(source.toBytes(source.text)).toEqual(bytes);
  });

  it.each([
    ['Latin-1', Buffer.from('// caf\xe9\nconst a = 1;\n', 'latin1')],
    ['a truncated UTF-8 sequence', Buffer.concat([Buffer.from('// x'), Buffer.from([0xe6, 0x97])])],
    ['an overlong encoding', Buffer.from([0x2f, 0x2f, 0xc0, 0xaf, 0x0a])],
    [
      'UTF-16LE with its BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('const é = 1;\n', 'utf16le')]),
    ],
    ['every byte value', Buffer.from(Array.from({ length: 256 }, (_, byte) => byte))],
  ])('reads %s one character per byte and gives the bytes back exactly', (_what, bytes) => {
    const source = sourceFromBytes(bytes);
    expect(source.utf8).toBe(false);
    expect(source.text).toHaveLength(bytes.length);
    expect(source.toBytes(source.text)).toEqual(bytes);
    expect(source.text).not.toContain('\ufffd');
  });

  it('an ASCII edit keeps every other byte of a file that is not UTF-8', () => {
    const bytes = Buffer.from('// caf\xe9\nOld();\n', 'latin1');
    const source = sourceFromBytes(bytes);
    expect(source.toBytes(source.text.replace('Old', 'New'))).toEqual(
      Buffer.from('// caf\xe9\nNew();\n', 'latin1'),
    );
  });

  it('refuses an edit a file that is not UTF-8 cannot carry', () => {
    const source = sourceFromBytes(Buffer.from([0xe9]));
    expect(source.toBytes(`${source.text}\u0100`)).toBeUndefined();
    expect(source.toBytes(`${source.text}😀`)).toBeUndefined();
  });

  it('a UTF-8 subarray of a larger buffer is read from its own bytes only', () => {
    const whole = Buffer.from('xx\xe9yy', 'latin1');
    expect(sourceFromBytes(whole.subarray(3)).text).toBe('yy');
    expect(sourceFromBytes(whole.subarray(1, 4)).text).toBe('x\xe9y');
  });
});

describe('asByteCharacters', () => {
  it('is the UTF-8 bytes of the text, one character each', () => {
    expect(asByteCharacters('a/é.ts')).toBe('a/\u00c3\u00a9.ts');
    expect(Buffer.from(asByteCharacters('a/é.ts'), 'latin1').toString('utf8')).toBe('a/é.ts');
  });
});
