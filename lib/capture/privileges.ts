import { loadAddon } from './binding.js';
import { toCaptureError } from './errors.js';

export interface DropPrivilegesOptions {
  /** The user to become (name). */
  user: string;
  /** The group to become (name). Default: the user's primary group. */
  group?: string;
}

/**
 * Drops root (or capabilities) for good. Call it after every capture source is
 * opened: open handles keep capturing. Afterwards the real, effective and saved
 * uid/gid are the user's, supplementary groups are the user's, no capability
 * remains, no_new_privs is set, and regaining root has been tried and failed.
 * Throws CaptureError(privilege_drop_failed) otherwise.
 */
export function dropPrivileges(options: DropPrivilegesOptions): { uid: number; gid: number } {
  if (typeof options?.user !== 'string' || options.user.length === 0) {
    throw new TypeError('user: expected a user name');
  }
  if (options.group !== undefined && (typeof options.group !== 'string' || options.group.length === 0)) {
    throw new TypeError('group: expected a group name');
  }
  try {
    return loadAddon().dropPrivileges(options.user, options.group);
  } catch (error) {
    throw toCaptureError(error);
  }
}
