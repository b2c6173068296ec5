// The request headers later gateway versions compare with a token's claims. Spelled as the
// platform sends them; HTTP header names are case-insensitive, so receivers look them up lowercased.

/** Compared with `gitlab_realm`. */
export const REALM_HEADER = 'X-Gitlab-Realm';
/** Compared with `gitlab_instance_id`, and with `sub` of a platform-issued token. */
export const INSTANCE_ID_HEADER = 'X-Gitlab-Instance-Id';
/** The request's user; compared with `sub` only for tokens the gateway issued itself. */
export const GLOBAL_USER_ID_HEADER = 'X-Gitlab-Global-User-Id';
/** Compared with `duo_seat_count`; a mismatch is only logged by the gateway. */
export const DUO_SEAT_COUNT_HEADER = 'X-Gitlab-Duo-Seat-Count';
