import { MissingDependencyError } from '../errors';

/** A PKCS#11 object or session handle, as pkcs11js represents it. */
export type Pkcs11Handle = Buffer;

/** One attribute of a PKCS#11 template. */
export interface Pkcs11Attribute {
  type: number;
  value?: number | boolean | string | Buffer;
}

/** What the signer uses of a `pkcs11js` `PKCS11` instance (one loaded module). */
export interface Pkcs11Library {
  load(path: string): void;
  C_Initialize(options?: { flags?: number }): void;
  C_Finalize(): void;
  C_GetSlotList(tokenPresent?: boolean): Pkcs11Handle[];
  C_GetTokenInfo(slot: Pkcs11Handle): { label: string };
  C_OpenSession(slot: Pkcs11Handle, flags: number): Pkcs11Handle;
  C_CloseSession(session: Pkcs11Handle): void;
  C_Login(session: Pkcs11Handle, userType: number, pin?: string): void;
  C_FindObjectsInit(session: Pkcs11Handle, template: Pkcs11Attribute[]): void;
  C_FindObjects(session: Pkcs11Handle, maxObjectCount: number): Pkcs11Handle[];
  C_FindObjectsFinal(session: Pkcs11Handle): void;
  C_GetAttributeValue(
    session: Pkcs11Handle,
    object: Pkcs11Handle,
    template: Pkcs11Attribute[],
  ): Pkcs11Attribute[];
  C_SignInit(session: Pkcs11Handle, mechanism: { mechanism: number }, key: Pkcs11Handle): void;
  C_SignAsync(session: Pkcs11Handle, data: Buffer, out: Buffer): Promise<Buffer>;
}

/** The `pkcs11js` module: the `PKCS11` class and the PKCS#11 constants it exports. */
export interface Pkcs11js {
  PKCS11: new () => Pkcs11Library;
  readonly CKF_SERIAL_SESSION: number;
  readonly CKF_OS_LOCKING_OK: number;
  readonly CKU_USER: number;
  readonly CKO_PRIVATE_KEY: number;
  readonly CKO_PUBLIC_KEY: number;
  readonly CKK_RSA: number;
  readonly CKA_CLASS: number;
  readonly CKA_KEY_TYPE: number;
  readonly CKA_LABEL: number;
  readonly CKA_MODULUS: number;
  readonly CKA_PUBLIC_EXPONENT: number;
  readonly CKM_SHA256_RSA_PKCS: number;
}

/** The command that installs the PKCS#11 binding, quoted verbatim in the error. */
export const INSTALL_PKCS11JS = 'npm install pkcs11js@2';

/**
 * Loads pkcs11js, an optional peer dependency (a native addon), on first use only: importing
 * `ai-access-token` never loads it, and neither does importing `ai-access-token/pkcs11` until a
 * signer is opened. `load` is the module loader (replaceable in tests).
 *
 * @throws {@link MissingDependencyError} naming `npm install pkcs11js@2` when it is not installed.
 */
export function loadPkcs11js(load: (id: string) => unknown = require): Pkcs11js {
  let loaded: unknown;
  try {
    loaded = load('pkcs11js');
  } catch (cause) {
    const notInstalled =
      cause instanceof Error && (cause as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    throw new MissingDependencyError(
      'pkcs11js',
      `pkcs11js ${notInstalled ? 'is not installed' : 'cannot be loaded'}; the PKCS#11 signer needs it: ${INSTALL_PKCS11JS}`,
      { cause },
    );
  }
  const module = loaded as Partial<Pkcs11js> | null;
  if (typeof module?.PKCS11 !== 'function') {
    throw new MissingDependencyError(
      'pkcs11js',
      `the installed pkcs11js has no PKCS11 class; install a supported version: ${INSTALL_PKCS11JS}`,
    );
  }
  return module as Pkcs11js;
}
