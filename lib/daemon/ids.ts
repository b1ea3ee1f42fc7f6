// Numeric uid/gid of the user and group privileges are dropped to, resolved
// through NSS (`id`, `getent`) so LDAP/sssd users work like local ones.
import { execFileSync } from 'node:child_process';
import { DaemonStartError } from './errors.js';

function run(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function lookupIds(user: string, group?: string): { uid: number; gid: number } {
  const uid = run('id', ['-u', '--', user]);
  if (uid === null) throw new DaemonStartError('no_such_user', `privileges.user: no user "${user}" on this system (create it, or set another user)`);
  let gid = run('id', ['-g', '--', user]);
  if (group !== undefined) {
    const entry = run('getent', ['group', group]);
    if (entry === null) throw new DaemonStartError('no_such_group', `privileges.group: no group "${group}" on this system`);
    gid = entry.split(':')[2] ?? null;
  }
  return { uid: Number(uid), gid: Number(gid) };
}
