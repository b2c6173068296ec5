// `ai-access-token/testing/jest-setup`: list it in `setupFilesAfterEnv` and every test file gets
// the matchers, with their types.
import './jest-matchers';
import { registerMatchers } from './register-matchers';

registerMatchers(globalThis);
