// The hash of the native sources, computed the way CMakeLists.txt computes the
// one compiled into the addon: for each file under native/ plus CMakeLists.txt,
// sorted by path, a line "<path> <sha256 of contents>\n"; then SHA-256 of it all.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile()) out.push(path);
  }
}

export function nativeSourceHash(root: string): string {
  const files: string[] = [];
  walk(join(root, 'native'), files);
  const paths = files.map((f) => relative(root, f));
  paths.push('CMakeLists.txt');
  paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let manifest = '';
  for (const path of paths) {
    const digest = createHash('sha256').update(readFileSync(join(root, path))).digest('hex');
    manifest += `${path} ${digest}\n`;
  }
  return createHash('sha256').update(manifest).digest('hex');
}
