/** A mistake in the command line or its input: exit code 2 with one clear line. */
export class UsageError extends Error {
  override name = 'UsageError';
}
