import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliFailure } from './cli-errors';
import type { CliOutput } from './io';

/** Owner read and write, nobody else: the only mode a private key file may have. */
export const PRIVATE_KEY_FILE_MODE = 0o600;

/**
 * Options of {@link writePrivateKeyFile}.
 *
 * @example
 * ```ts
 * const options: PrivateKeyFileOptions = { flag: '--out', overwrite: false };
 * ```
 */
export interface PrivateKeyFileOptions {
  /** The flag that named the file, for messages: `--out`. */
  readonly flag: string;
  /** Replace an existing file (or symlink) at the path. Default false: refuse it. */
  readonly overwrite?: boolean | undefined;
}

/**
 * Writes `text` (a private key) to `path` so that no one else ever sees it: into a new file made
 * in the same directory (exclusive create, random name, mode 0600 whatever the umask), flushed
 * to disk, then moved to `path`. A symlink at `path` is replaced, never followed, and an existing
 * file is replaced by a new inode, so a process holding the old file open cannot read the key.
 * Without `overwrite`, anything at `path` (a file, a directory, a symlink, dangling or not) is
 * refused: the name is claimed with an exclusive create before the rename.
 *
 * @throws {@link CliFailure} naming the flag, the path and the system error code (`EEXIST`
 * without `overwrite` asks for `--force`); the temporary file is removed.
 * @example
 * ```ts
 * writePrivateKeyFile('signing-key.pem', key.toPem(), { flag: '--out', overwrite: force });
 * ```
 */
export function writePrivateKeyFile(
  path: string,
  text: string,
  options: PrivateKeyFileOptions,
): void {
  const { flag } = options;
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  let created = false;
  let reserved = false;
  try {
    // 'wx' is O_CREAT | O_EXCL: it creates a new file or fails, and never follows a symlink.
    const fd = openSync(temporary, 'wx', PRIVATE_KEY_FILE_MODE);
    created = true;
    try {
      // The mode given to open is reduced by the umask; the key file must be exactly 0600.
      fchmodSync(fd, PRIVATE_KEY_FILE_MODE);
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.overwrite !== true) {
      // Claims the name atomically: fails with EEXIST when anything is there, a dangling
      // symlink included. The empty file it leaves is replaced by the rename below.
      closeSync(openSync(path, 'wx', PRIVATE_KEY_FILE_MODE));
      reserved = true;
    }
    // rename replaces the directory entry: a symlink there is replaced, not followed, and a
    // descriptor open on the old file keeps the old inode.
    renameSync(temporary, path);
    created = false;
    reserved = false;
    syncDirectory(directory);
  } catch (cause) {
    if (created) removeQuietly(temporary);
    if (reserved) removeQuietly(path);
    // Node's fs errors always carry a code (EEXIST, ENOENT, EACCES, EISDIR, ...).
    const code = String((cause as NodeJS.ErrnoException).code);
    throw new CliFailure(
      code === 'EEXIST'
        ? `${flag} ${JSON.stringify(path)} already exists; pass --force to overwrite it`
        : `cannot create ${flag} file ${JSON.stringify(path)} (${code})`,
      { cause },
    );
  }
}

// The rename is durable only once the directory is flushed too. Not every platform can open a
// directory for fsync (Windows cannot); the file itself is already on disk then.
function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Best effort: see above.
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or the directory became unwritable: nothing more to do.
  }
}

/**
 * Before a private key is written to `stdout`: when stdout is a regular file (`keygen >
 * key.pem`), sets its mode to 0600, so a shell redirection does not leave the key world-readable.
 * A terminal, a pipe or a capture without a descriptor is left alone.
 *
 * @throws {@link CliFailure} when stdout is a file whose mode cannot be set (the key is then not
 * written).
 * @example
 * ```ts
 * makeStdoutFilePrivate(io.stdout);
 * out.line(key.toPem().trimEnd());
 * ```
 */
export function makeStdoutFilePrivate(stdout: CliOutput): void {
  const { fd } = stdout;
  if (typeof fd !== 'number') return;
  try {
    if (fstatSync(fd).isFile()) fchmodSync(fd, PRIVATE_KEY_FILE_MODE);
  } catch (cause) {
    const code = String((cause as NodeJS.ErrnoException).code);
    throw new CliFailure(
      `stdout is a file whose mode cannot be set to 0600 (${code}); the key was not written (use --out FILE)`,
      { cause },
    );
  }
}
