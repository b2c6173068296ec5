// Type tests of the typed gateway claims and the request-header helpers (issue 18).
import {
  AiAccessToken,
  CodeSuggestionsAccessToken,
  checkGatewayHeaders,
  gatewayHeaders,
  type CheckGatewayHeadersOptions,
  type IssueRequest,
  type RequestHeaders,
  type VerifiedAiAccessToken,
} from 'ai-access-token';
import type { IncomingHttpHeaders } from 'node:http';

const token = new AiAccessToken({
  subject: 'instance-1',
  scopes: ['code_suggestions'],
  instanceId: 'instance-1',
  duoSeatCount: 25,
  thirdPartyAiFeaturesEnabled: false,
});
const seats: number | undefined = token.duoSeatCount;
const instance: string | undefined = token.instanceId;
const headers: Record<string, string> = gatewayHeaders(token, { globalUserId: 'u-1' });
gatewayHeaders(token.encoded());

new CodeSuggestionsAccessToken({ subject: 's', instanceId: 'i' });
// @ts-expect-error the seat count is a number; the package writes its decimal string
new AiAccessToken({ subject: 's', scopes: ['a'], duoSeatCount: '25' });
// @ts-expect-error the flag is a boolean, never the string "false"
new AiAccessToken({ subject: 's', scopes: ['a'], thirdPartyAiFeaturesEnabled: 'false' });

const request: IssueRequest = { subject: 's', scopes: ['a'], instanceId: 'i', duoSeatCount: 0 };

declare const verified: VerifiedAiAccessToken;
const count: number | undefined = verified.duoSeatCount;
const enabled: boolean | undefined = verified.thirdPartyAiFeaturesEnabled;
const id: string | undefined = verified.instanceId;
const claimText: string | undefined = verified.claims.duo_seat_count;
// @ts-expect-error duoSeatCount may be absent
const sure: number = verified.duoSeatCount;

declare const nodeHeaders: IncomingHttpHeaders;
const options: CheckGatewayHeadersOptions = {
  onSeatCountMismatch: ({ claim, header }) => [claim, header ?? ''],
  userSubjectIssuers: ['gitlab-ai-gateway'],
};
checkGatewayHeaders(verified, nodeHeaders, options);
checkGatewayHeaders(verified, { 'X-Gitlab-Realm': 'saas' });
const fetchLike: RequestHeaders = { get: (name: string) => (name === 'x' ? 'y' : null) };
checkGatewayHeaders(verified, fetchLike);
// @ts-expect-error headers are required
checkGatewayHeaders(verified);

export { seats, instance, headers, request, count, enabled, id, claimText, sure };
