/** The command did what was asked. */
export const EXIT_OK = 0;
/** The token was rejected, or the operation failed (a file, a key). */
export const EXIT_FAILURE = 1;
/** The command line was wrong: unknown command or flag, missing or bad value. */
export const EXIT_USAGE = 2;
