/** `--version`: read from package.json only when asked, so no other command pays for it. */
import { readFileSync } from 'node:fs';

/** dist/src/cli/version.js → the package root, where package.json is. */
const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { name?: unknown; version?: unknown };
  return `${String(pkg.name ?? 'kadchain')} ${String(pkg.version ?? 'unknown')}`;
}
