/** The daemon cannot start for a reason the operator must fix (stable `code`). */
export class DaemonStartError extends Error {
  override name = 'DaemonStartError';
  constructor(
    readonly code: 'root_refused' | 'no_such_user' | 'no_such_group' | 'worker_exit' | 'no_sources',
    message: string,
  ) {
    super(message);
  }
}
