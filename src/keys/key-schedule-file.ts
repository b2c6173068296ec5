// Reads a key schedule file: a JSON array of { "file": "keys/2026-12.pem", "activatesAt": "…" }.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidKeyScheduleError, InvalidSigningKeyError } from '../errors';
import { describe } from '../time';
import { SigningKey } from './signing-key';

/** A schedule file is a handful of entries; anything much larger is not one. */
const MAX_SCHEDULE_FILE_BYTES = 1024 * 1024;
const ENTRY_FIELDS: readonly string[] = ['file', 'activatesAt'];

/**
 * One entry of a schedule file as written on disk.
 *
 * @example
 * ```ts
 * const entry: KeyScheduleFileEntry = { file: 'keys/2026-12.pem', activatesAt: '2026-12-01T00:00:00Z' };
 * ```
 */
export interface KeyScheduleFileEntry {
  /** Path of a PEM private key, relative to the schedule file's directory (or absolute). */
  readonly file: string;
  /** ISO 8601 time with a zone. */
  readonly activatesAt: string;
}

/**
 * The raw entries of a schedule file, checked to be `{ file, activatesAt }` objects (times are
 * checked by `KeySchedule`).
 *
 * @throws {@link InvalidKeyScheduleError} naming the file and the entry.
 */
export function readKeyScheduleEntries(path: string): KeyScheduleFileEntry[] {
  const where = `key schedule ${JSON.stringify(path)}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    // Node's fs errors always carry a code (ENOENT, EACCES, EISDIR, ...).
    throw new InvalidKeyScheduleError(
      'unreadable-file',
      `${where} cannot be read (${String((cause as NodeJS.ErrnoException).code)})`,
      { cause },
    );
  }
  if (text.length > MAX_SCHEDULE_FILE_BYTES) {
    throw new InvalidKeyScheduleError(
      'invalid-file',
      `${where} is larger than ${MAX_SCHEDULE_FILE_BYTES} bytes; a schedule lists a few keys`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidKeyScheduleError('invalid-file', `${where} is not valid JSON`, { cause });
  }
  if (!Array.isArray(parsed)) {
    throw new InvalidKeyScheduleError(
      'invalid-file',
      `${where} must be a JSON array of { "file", "activatesAt" } entries; got ${describe(parsed)}`,
    );
  }
  return (parsed as unknown[]).map((entry, index) => {
    const name = `${where}: entries[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InvalidKeyScheduleError(
        'invalid-entry',
        `${name} must be an object { "file", "activatesAt" }; got ${describe(entry)}`,
        { entry: index },
      );
    }
    const unknown = Object.keys(entry).find((field) => !ENTRY_FIELDS.includes(field));
    if (unknown !== undefined) {
      throw new InvalidKeyScheduleError(
        'invalid-entry',
        `${name} has an unknown field ${describe(unknown)}; expected "file" and "activatesAt"`,
        { entry: index },
      );
    }
    const { file, activatesAt } = entry as Record<string, unknown>;
    if (typeof file !== 'string' || file === '') {
      throw new InvalidKeyScheduleError(
        'invalid-entry',
        `${name}.file must be the path of a PEM private key; got ${describe(file)}`,
        { entry: index },
      );
    }
    return { file, activatesAt: activatesAt as string };
  });
}

/**
 * The entries of a schedule file with their keys read: `{ key, activatesAt }` for `KeySchedule`.
 *
 * @throws {@link InvalidKeyScheduleError} naming the file and the entry; a key file that cannot be
 * read or is not a usable RSA private key is reason `'invalid-key'`, with the key error as `cause`.
 */
export function readKeyScheduleFile(path: string): { key: SigningKey; activatesAt: string }[] {
  const base = dirname(resolve(path));
  return readKeyScheduleEntries(path).map(({ file, activatesAt }, index) => {
    const keyPath = resolve(base, file);
    let key: SigningKey;
    try {
      key = SigningKey.fromPem(readFileSync(keyPath, 'utf8'));
    } catch (cause) {
      // Either the key's own error (which never holds key material) or an fs error with a code.
      const detail =
        cause instanceof InvalidSigningKeyError
          ? cause.message
          : `cannot be read (${String((cause as NodeJS.ErrnoException).code)})`;
      throw new InvalidKeyScheduleError(
        'invalid-key',
        `key schedule ${JSON.stringify(path)}: entries[${index}].file ${JSON.stringify(file)}: ${detail}`,
        { entry: index, cause },
      );
    }
    return { key, activatesAt };
  });
}
