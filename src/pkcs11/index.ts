// ai-access-token/pkcs11: signing keys in a PKCS#11 token (an HSM). pkcs11js, a native addon, is
// loaded only when a signer is opened.
export { Pkcs11Error } from '../errors';
export {
  DEFAULT_PKCS11_SESSIONS,
  ENV_PKCS11_PIN,
  openPkcs11Signer,
  type Pkcs11Signer,
  type Pkcs11SignerOptions,
} from './pkcs11-signer';
