import { resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import { InvalidClaimError, Pkcs11Error } from '../errors';
import type { PublicJwk } from '../keys/jwk';
import type { Signer } from '../keys/signer';
import { MIN_MODULUS_LENGTH } from '../keys/signing-key';
import { rsaThumbprint } from '../keys/thumbprint';
import { assertKnownOptions } from '../option-checks';
import { describe } from '../time';
import {
  loadPkcs11js,
  type Pkcs11Handle,
  type Pkcs11Library,
  type Pkcs11js,
} from './load-pkcs11js';

/**
 * The environment variable `openPkcs11Signer` reads the user PIN from when `pin` is not given.
 *
 * @example
 * ```ts
 * process.env[ENV_PKCS11_PIN]; // 'AI_ACCESS_TOKEN_PKCS11_PIN'
 * ```
 */
export const ENV_PKCS11_PIN = 'AI_ACCESS_TOKEN_PKCS11_PIN';

/**
 * Sessions a signer opens by default: concurrent `sign` calls up to this many run at once.
 *
 * @example
 * ```ts
 * await openPkcs11Signer({ ...options, sessions: DEFAULT_PKCS11_SESSIONS * 2 });
 * ```
 */
export const DEFAULT_PKCS11_SESSIONS = 4;
const MAX_SESSIONS = 64;

/**
 * Options of {@link openPkcs11Signer}.
 *
 * @example
 * ```ts
 * const options: Pkcs11SignerOptions = {
 *   module: '/usr/lib/softhsm/libsofthsm2.so',
 *   tokenLabel: 'ai-issuer',
 *   keyLabel: 'signing-2026',
 *   // pin: omitted, read from AI_ACCESS_TOKEN_PKCS11_PIN
 * };
 * ```
 */
export interface Pkcs11SignerOptions {
  /** Path of the PKCS#11 module (the vendor's shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`. */
  module: string;
  /** Label of the token holding the key. */
  tokenLabel: string;
  /**
   * The user PIN. Default: the `AI_ACCESS_TOKEN_PKCS11_PIN` environment variable. It is used for
   * one `C_Login` and never printed or put in an error.
   */
  pin?: string | undefined;
  /** `CKA_LABEL` of the RSA private key. */
  keyLabel: string;
  /** How many sessions to open: concurrent signatures, 1 to 64. Default 4. */
  sessions?: number | undefined;
  /** Where `pin` is read from when not given. Default `process.env`. */
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * A {@link Signer} whose RSA key stays in a PKCS#11 token (an HSM, SoftHSM2, a cloud HSM's
 * PKCS#11 library). Opened by {@link openPkcs11Signer}; `close()` it when done.
 *
 * @example
 * ```ts
 * const signer: Pkcs11Signer = await openPkcs11Signer(options);
 * try {
 *   await new AiAccessToken({ subject: 'user-42', scopes: ['duo_chat'], signingKey: signer }).encodedAsync();
 * } finally {
 *   await signer.close();
 * }
 * ```
 */
export interface Pkcs11Signer extends Signer {
  /** RSA modulus length in bits. */
  readonly modulusLength: number;
  /**
   * Waits for signatures in progress, then closes the sessions (which logs out) and, for the last
   * signer of its module in this process, finalises the module. Later `sign` calls reject with
   * `CKR_SESSION_CLOSED`. Calling it again does nothing.
   */
  close(): Promise<void>;
}

/**
 * Opens an RS256 {@link Signer} on a private key in a PKCS#11 token: loads the module, finds the
 * token by label, logs in once with the PIN, finds the RSA private key by label and reads its
 * public key (modulus and exponent) for the JWK and the RFC 7638 `kid`. Signatures use
 * `CKM_SHA256_RSA_PKCS` on a small pool of sessions, so concurrent `sign` calls do not queue
 * behind one; each runs in libuv's thread pool (`C_SignAsync`), not on the event loop. Opening
 * makes a few short blocking PKCS#11 calls.
 *
 * @throws {@link Pkcs11Error} (rejects) with `returnValue` the PKCS#11 return value:
 * `CKR_PIN_INCORRECT`, `CKR_PIN_LOCKED`, `CKR_TOKEN_NOT_PRESENT` (no token has the label),
 * `CKR_KEY_HANDLE_INVALID` (no RSA private key has the label), `CKR_GENERAL_ERROR` (the module
 * cannot be loaded), …
 * @throws {@link MissingDependencyError} (rejects) when pkcs11js is not installed.
 * @throws {@link InvalidClaimError} (rejects) when an option breaks its rule, or no PIN is given.
 * @example
 * ```ts
 * import { openPkcs11Signer } from 'ai-access-token/pkcs11';
 * import { AiAccessTokenIssuer } from 'ai-access-token';
 *
 * const signer = await openPkcs11Signer({
 *   module: '/usr/lib/softhsm/libsofthsm2.so',
 *   tokenLabel: 'ai-issuer',
 *   keyLabel: 'signing-2026',
 * }); // PIN from AI_ACCESS_TOKEN_PKCS11_PIN
 * const issuer = new AiAccessTokenIssuer({ issuer: 'https://gitlab.example.com', signingKey: signer });
 * const token = await issuer.issueAsync({ subject: 'user-42', scopes: ['duo_chat'] });
 * ```
 */
export async function openPkcs11Signer(options: Pkcs11SignerOptions): Promise<Pkcs11Signer> {
  // Async for its callers' sake: every failure, option errors included, rejects.
  await Promise.resolve();
  const resolved = resolveOptions(options);
  const pkcs11 = loadPkcs11js();
  const library = acquireLibrary(pkcs11, resolved.module);
  const sessions: Pkcs11Handle[] = [];
  try {
    const slot = findSlot(library.lib, resolved.tokenLabel);
    for (let index = 0; index < resolved.sessions; index += 1) {
      sessions.push(
        call('C_OpenSession', () => library.lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)),
      );
    }
    login(library.lib, sessions[0] as Pkcs11Handle, pkcs11.CKU_USER, resolved.pin);
    const key = findPrivateKey(library.lib, pkcs11, sessions[0] as Pkcs11Handle, resolved);
    const { n, e } = readPublicKey(library.lib, pkcs11, sessions[0] as Pkcs11Handle, key);
    return new TokenSigner(library, pkcs11, sessions, key, n, e);
  } catch (error) {
    for (const session of sessions) closeQuietly(library.lib, session);
    releaseLibrary(library);
    throw error;
  }
}

interface ResolvedOptions {
  readonly module: string;
  readonly tokenLabel: string;
  readonly keyLabel: string;
  readonly pin: string;
  readonly sessions: number;
}

const OPTION_NAMES = ['module', 'tokenLabel', 'pin', 'keyLabel', 'sessions', 'env'];

function resolveOptions(options: Pkcs11SignerOptions): ResolvedOptions {
  if (typeof (options as unknown) !== 'object' || (options as unknown) === null) {
    throw new InvalidClaimError(
      'options',
      `openPkcs11Signer takes an options object; got ${describe(options)}`,
    );
  }
  assertKnownOptions(options, OPTION_NAMES);
  const text = (name: 'module' | 'tokenLabel' | 'keyLabel'): string => {
    const value: unknown = options[name];
    if (typeof value !== 'string' || value === '') {
      throw new InvalidClaimError(
        name,
        `${name} must be a non-empty string; got ${describe(value)}`,
      );
    }
    return value;
  };
  const env = options.env ?? process.env;
  const pin: unknown = options.pin ?? env[ENV_PKCS11_PIN];
  if (typeof pin !== 'string' || pin === '') {
    // Says where a PIN comes from, never what was given.
    throw new InvalidClaimError(
      'pin',
      `pin must be a non-empty string: pass pin or set ${ENV_PKCS11_PIN}`,
    );
  }
  const sessions = options.sessions ?? DEFAULT_PKCS11_SESSIONS;
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > MAX_SESSIONS) {
    throw new InvalidClaimError(
      'sessions',
      `sessions must be a whole number from 1 to ${MAX_SESSIONS}; got ${describe(sessions)}`,
    );
  }
  return {
    module: resolvePath(text('module')),
    tokenLabel: text('tokenLabel'),
    keyLabel: text('keyLabel'),
    pin,
    sessions,
  };
}

// A module is initialised once per process: signers on the same module share it, and the last
// one to close finalises it (C_Finalize would end every other signer's sessions).
interface LoadedLibrary {
  readonly path: string;
  readonly lib: Pkcs11Library;
  refs: number;
  /** Whether this package initialised it, and so finalises it. */
  readonly initialised: boolean;
}
const libraries = new Map<string, LoadedLibrary>();

// Buffers a native signature is reading or writing; see TokenSigner#sign.
const pinned = new Set<Buffer>();

function acquireLibrary(pkcs11: Pkcs11js, path: string): LoadedLibrary {
  let library = libraries.get(path);
  if (library === undefined) {
    const lib = new pkcs11.PKCS11();
    try {
      lib.load(path);
    } catch (cause) {
      throw new Pkcs11Error(
        'CKR_GENERAL_ERROR',
        'load module',
        `cannot load the PKCS#11 module ${JSON.stringify(path)}: ${errorText(cause)}`,
        { cause },
      );
    }
    let initialised = true;
    try {
      // Signatures run on libuv's pool threads at once: without CKF_OS_LOCKING_OK a module may
      // assume one thread (SoftHSM2 then takes no locks, and concurrent signing crashes it).
      lib.C_Initialize({ flags: pkcs11.CKF_OS_LOCKING_OK });
    } catch (cause) {
      const name = returnValueOf(cause);
      // Another user of the module in this process initialised it: use it, leave it initialised.
      if (name !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
        throw new Pkcs11Error(name, 'C_Initialize', `C_Initialize failed: ${name}`, { cause });
      }
      initialised = false;
    }
    library = { path, lib, refs: 0, initialised };
    libraries.set(path, library);
  }
  library.refs += 1;
  return library;
}

function releaseLibrary(library: LoadedLibrary): void {
  library.refs -= 1;
  if (library.refs > 0) return;
  libraries.delete(library.path);
  if (!library.initialised) return;
  try {
    library.lib.C_Finalize();
  } catch {
    // Nothing is left to clean up when finalising fails.
  }
}

function findSlot(lib: Pkcs11Library, label: string): Pkcs11Handle {
  const slots = call('C_GetSlotList', () => lib.C_GetSlotList(true));
  for (const slot of slots) {
    const info = call('C_GetTokenInfo', () => lib.C_GetTokenInfo(slot));
    if (info.label.trimEnd() === label) return slot;
  }
  throw new Pkcs11Error(
    'CKR_TOKEN_NOT_PRESENT',
    'find token',
    `no token labelled ${JSON.stringify(label)} is present (${slots.length} token(s) found)`,
  );
}

function login(lib: Pkcs11Library, session: Pkcs11Handle, userType: number, pin: string): void {
  try {
    lib.C_Login(session, userType, pin);
  } catch (cause) {
    const name = returnValueOf(cause);
    // Login state is per token and process: another signer of this process on the token
    // already logged in, so this session is logged in too.
    if (name === 'CKR_USER_ALREADY_LOGGED_IN') return;
    throw new Pkcs11Error(name, 'C_Login', `C_Login failed: ${name}`);
  }
}

function findPrivateKey(
  lib: Pkcs11Library,
  pkcs11: Pkcs11js,
  session: Pkcs11Handle,
  { keyLabel, tokenLabel }: ResolvedOptions,
): Pkcs11Handle {
  const found = findObjects(lib, session, [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: pkcs11.CKK_RSA },
    { type: pkcs11.CKA_LABEL, value: keyLabel },
  ]);
  if (found.length !== 1) {
    throw new Pkcs11Error(
      'CKR_KEY_HANDLE_INVALID',
      'find key',
      found.length === 0
        ? `no RSA private key labelled ${JSON.stringify(keyLabel)} on token ${JSON.stringify(tokenLabel)}`
        : `${found.length} RSA private keys are labelled ${JSON.stringify(keyLabel)} on token ${JSON.stringify(tokenLabel)}; label one key uniquely`,
    );
  }
  return found[0] as Pkcs11Handle;
}

function findObjects(
  lib: Pkcs11Library,
  session: Pkcs11Handle,
  template: Parameters<Pkcs11Library['C_FindObjectsInit']>[1],
): Pkcs11Handle[] {
  call('C_FindObjectsInit', () => {
    lib.C_FindObjectsInit(session, template);
  });
  try {
    return call('C_FindObjects', () => lib.C_FindObjects(session, 2));
  } finally {
    call('C_FindObjectsFinal', () => {
      lib.C_FindObjectsFinal(session);
    });
  }
}

// The modulus and exponent are public attributes of an RSA private key, readable once logged in
// (PKCS#11 requires CKA_MODULUS and CKA_PUBLIC_EXPONENT on RSA private key objects).
function readPublicKey(
  lib: Pkcs11Library,
  pkcs11: Pkcs11js,
  session: Pkcs11Handle,
  key: Pkcs11Handle,
): { n: Buffer; e: Buffer } {
  const [n, e] = call('C_GetAttributeValue', () =>
    lib.C_GetAttributeValue(session, key, [
      { type: pkcs11.CKA_MODULUS },
      { type: pkcs11.CKA_PUBLIC_EXPONENT },
    ]),
  ).map((attribute) => attribute.value);
  if (!Buffer.isBuffer(n) || !Buffer.isBuffer(e)) {
    throw new Pkcs11Error(
      'CKR_GENERAL_ERROR',
      'read public key',
      'the token returned no modulus or exponent for the key',
    );
  }
  return { n: stripLeadingZeros(n), e: stripLeadingZeros(e) };
}

function stripLeadingZeros(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  return bytes.subarray(start);
}

class TokenSigner implements Pkcs11Signer {
  readonly kid: string;
  readonly modulusLength: number;
  readonly #jwk: PublicJwk;
  readonly #library: LoadedLibrary;
  readonly #mechanism: { mechanism: number };
  readonly #key: Pkcs11Handle;
  readonly #idle: Pkcs11Handle[];
  readonly #all: readonly Pkcs11Handle[];
  readonly #waiting: {
    resolve: (session: Pkcs11Handle) => void;
    reject: (error: Error) => void;
  }[] = [];
  readonly #busy = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(
    library: LoadedLibrary,
    pkcs11: Pkcs11js,
    sessions: Pkcs11Handle[],
    key: Pkcs11Handle,
    n: Buffer,
    e: Buffer,
  ) {
    this.modulusLength = n.length * 8;
    if (this.modulusLength < MIN_MODULUS_LENGTH) {
      throw new Pkcs11Error(
        'CKR_KEY_SIZE_RANGE',
        'read public key',
        `the key is RSA-${this.modulusLength}; RS256 signing needs at least ${MIN_MODULUS_LENGTH} bits`,
      );
    }
    const components = {
      kty: 'RSA' as const,
      n: n.toString('base64url'),
      e: e.toString('base64url'),
    };
    this.kid = rsaThumbprint(components);
    this.#jwk = Object.freeze({ ...components, alg: 'RS256', use: 'sig', kid: this.kid });
    this.#library = library;
    this.#mechanism = { mechanism: pkcs11.CKM_SHA256_RSA_PKCS };
    this.#key = key;
    this.#all = Object.freeze([...sessions]);
    this.#idle = [...sessions];
  }

  publicJwk(): PublicJwk {
    return { ...this.#jwk };
  }

  sign(signingInput: Uint8Array): Promise<Uint8Array> {
    if (this.#closing !== undefined) return Promise.reject(closedError());
    const signing = this.#sign(Buffer.from(signingInput));
    const tracked = signing.catch(() => undefined);
    this.#busy.add(tracked);
    void tracked.finally(() => this.#busy.delete(tracked));
    return signing;
  }

  async #sign(data: Buffer): Promise<Uint8Array> {
    const session = await this.#acquire();
    try {
      const lib = this.#library.lib;
      call('C_SignInit', () => {
        lib.C_SignInit(session, this.#mechanism, this.#key);
      });
      const out = Buffer.alloc(this.modulusLength / 8);
      // pkcs11js's worker thread reads and writes both buffers through raw pointers and holds no
      // reference to them: they are held here until it completes, so that no garbage collection
      // can free them under it.
      pinned.add(data).add(out);
      try {
        return await lib.C_SignAsync(session, data, out);
      } catch (cause) {
        const name = returnValueOf(cause);
        throw new Pkcs11Error(name, 'C_Sign', `C_Sign failed: ${name}`, { cause });
      } finally {
        pinned.delete(data);
        pinned.delete(out);
      }
    } finally {
      this.#release(session);
    }
  }

  #acquire(): Promise<Pkcs11Handle> {
    const session = this.#idle.pop();
    if (session !== undefined) return Promise.resolve(session);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #release(session: Pkcs11Handle): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next.resolve(session);
    else this.#idle.push(session);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const waiter of this.#waiting.splice(0)) waiter.reject(closedError());
    await Promise.all(this.#busy);
    for (const session of this.#all) closeQuietly(this.#library.lib, session);
    releaseLibrary(this.#library);
  }

  toJSON(): PublicJwk {
    return this.publicJwk();
  }

  [inspect.custom](): string {
    return `Pkcs11Signer { kid: '${this.kid}', modulusLength: ${this.modulusLength} }`;
  }
}

function closedError(): Pkcs11Error {
  return new Pkcs11Error('CKR_SESSION_CLOSED', 'sign', 'the PKCS#11 signer is closed');
}

function closeQuietly(lib: Pkcs11Library, session: Pkcs11Handle): void {
  try {
    lib.C_CloseSession(session);
  } catch {
    // Already closed (the token was removed, or the module finalised): nothing to release.
  }
}

// pkcs11js reports a failed call as an error whose message is the return value's name.
function returnValueOf(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const match = /\b(CKR_[A-Z0-9_]+)\b/.exec(message);
  return match?.[1] ?? 'CKR_GENERAL_ERROR';
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

function call<T>(operation: string, run: () => T): T {
  try {
    return run();
  } catch (cause) {
    const name = returnValueOf(cause);
    throw new Pkcs11Error(name, operation, `${operation} failed: ${name}`, { cause });
  }
}
