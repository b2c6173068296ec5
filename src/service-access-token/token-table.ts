// The token table as every store lays it out: its default name, its columns, and the legacy
// `category` column of the schema before the change.

/**
 * The table's default name.
 *
 * @example
 * ```ts
 * new SqliteServiceAccessTokenStore({ filename, tableName: DEFAULT_SERVICE_ACCESS_TOKENS_TABLE });
 * ```
 */
export const DEFAULT_SERVICE_ACCESS_TOKENS_TABLE = 'service_access_tokens';

/**
 * The value a legacy `category` column held for every row: `code_suggestions`, stored as 1. The
 * store writes it only where the column still exists and demands a value.
 *
 * @example
 * ```ts
 * LEGACY_CODE_SUGGESTIONS_CATEGORY; // 1
 * ```
 */
export const LEGACY_CODE_SUGGESTIONS_CATEGORY = 1;

export const LEGACY_CATEGORY_COLUMN = 'category';
export const ROW_UID_COLUMN = 'row_uid';
export const REQUIRED_COLUMNS = [
  'id',
  'encrypted_token',
  'encrypted_token_iv',
  'expires_at',
  'created_at',
  'updated_at',
] as const;
// The name is interpolated into SQL (identifiers cannot be bound), so it is held to a plain shape.
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `name` quoted as an SQL identifier (SQLite and PostgreSQL quote alike). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
