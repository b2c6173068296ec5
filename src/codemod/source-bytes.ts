// The codemod edits text but must give back the file's bytes exactly, whatever its encoding: a
// lossy UTF-8 decode turned a Latin-1 `é` on a line it never edited into U+FFFD.

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A source file's bytes as text the codemod can edit, and the way back to bytes.
 *
 * @example
 * ```ts
 * const source = sourceFromBytes(await readFile(file));
 * const bytes = source.toBytes(source.text); // the file's bytes, exactly
 * ```
 */
export interface SourceText {
  /**
   * The text: decoded as UTF-8 when the bytes are valid UTF-8 (a BOM kept as U+FEFF), otherwise
   * one character per byte (U+0000–U+00FF, as Latin-1 reads them). Either way every byte
   * outside an edit comes back unchanged from {@link SourceText.toBytes}.
   */
  readonly text: string;
  /** Whether the bytes are valid UTF-8. */
  readonly utf8: boolean;
  /**
   * `text`, edited, as bytes in the file's own encoding; `undefined` when the edit holds a
   * character the file cannot carry (above U+00FF in a file that is not UTF-8).
   */
  toBytes(text: string): Buffer | undefined;
}

/**
 * Reads `bytes` as a {@link SourceText}. The identifiers and module names the codemod looks for
 * and writes are ASCII, so they read the same in any ASCII-compatible encoding.
 *
 * @example
 * ```ts
 * sourceFromBytes(Buffer.from([0x63, 0x61, 0x66, 0xe9])).text; // 'café' (Latin-1)
 * ```
 */
export function sourceFromBytes(bytes: Uint8Array): SourceText {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    return {
      text: latin1,
      utf8: false,
      toBytes: (edited) =>
        /[\u0100-\uffff]/.test(edited) ? undefined : Buffer.from(edited, 'latin1'),
    };
  }
  return { text, utf8: true, toBytes: (edited) => Buffer.from(edited, 'utf8') };
}

/**
 * `text` in the one-character-per-byte form of {@link SourceText.text} for a file that is not
 * UTF-8: its UTF-8 bytes, one character each. For a diff's file names, so that the whole diff
 * turns back into bytes with `Buffer.from(diff, 'latin1')`.
 *
 * @example
 * ```ts
 * asByteCharacters('é'); // '\u00c3\u00a9'
 * ```
 */
export function asByteCharacters(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
