// `ai-access-token/testing`: helpers for the tests of services that mint or receive AI access
// tokens. A separate entry point: the main `ai-access-token` entry never loads it.
export { generateTestSigningKey } from './test-signing-key';
export { decodeUnverified, type UnverifiedToken } from './decode-unverified';
export { frozenClock, type FrozenClock } from './frozen-clock';
export { aiAccessTokenMatchers, type AiAccessTokenMatcherImplementations } from './matchers';
export type {
  AiAccessTokenMatchers,
  ToBeAiAccessTokenExpected,
  ToExpireWithinOptions,
} from './jest-matchers';
