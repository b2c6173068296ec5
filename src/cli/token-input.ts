import { CliUsageError } from './cli-errors';

// A token is under 8 KB (MAX_TOKEN_LENGTH); stop reading long before a runaway pipe fills memory.
const MAX_STDIN_BYTES = 64 * 1024;

/**
 * `text` without surrounding whitespace and without a leading `Bearer ` (or a whole
 * `Authorization: Bearer ` header line), as pasted from a request.
 *
 * @example
 * ```ts
 * stripBearer('Bearer eyJhbGciOi…\n'); // 'eyJhbGciOi…'
 * ```
 */
export function stripBearer(text: string): string {
  return text
    .trim()
    .replace(/^(?:authorization:\s*)?bearer(?:\s+|$)/i, '')
    .trim();
}

/**
 * The token a command was given as its one positional argument, read from `stdin` when that
 * argument is `-`, with {@link stripBearer} applied. Usage errors never echo the argument.
 *
 * @example
 * ```ts
 * const token = await readTokenArgument('decode', positionals, io.stdin);
 * ```
 */
export async function readTokenArgument(
  command: string,
  positionals: readonly string[],
  stdin: AsyncIterable<string | Buffer>,
): Promise<string> {
  const [argument] = positionals;
  if (argument === undefined) {
    throw new CliUsageError(`${command} needs a TOKEN argument, or - to read the token from stdin`);
  }
  if (positionals.length > 1) {
    throw new CliUsageError(
      `${command} takes one TOKEN argument; got ${positionals.length} arguments`,
    );
  }
  const fromStdin = argument === '-';
  const token = stripBearer(fromStdin ? await readAll(stdin) : argument);
  if (token === '') {
    throw new CliUsageError(fromStdin ? 'stdin is empty; expected a token' : 'TOKEN is empty');
  }
  return token;
}

async function readAll(stdin: AsyncIterable<string | Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > MAX_STDIN_BYTES) {
      throw new CliUsageError(`stdin holds over ${MAX_STDIN_BYTES} bytes; expected one token`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}
