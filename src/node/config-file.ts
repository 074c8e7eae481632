/**
 * Reading a config file (conf/default.json or `--config FILE`) as a JSON object, and finding
 * conf/default.json. Shared by the node's validating loader (config.ts) and the CLI's client
 * settings (cli/settings.ts), so both read the same files with the same messages; it imports
 * nothing but Node built-ins the CLI loads anyway and the error class.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../util/errors.js';
import { ConfigError } from './errors.js';

export type RawConfig = Record<string, unknown>;

/** How many directories above this module conf/default.json may be (dist/src/node/ → package root, with room for a bundle's location). */
const MAX_CONF_SEARCH_DEPTH = 5;

export const isPlainObject = (v: unknown): v is RawConfig => typeof v === 'object' && v !== null && !Array.isArray(v);

/** conf/default.json of this package, found from this module's location rather than the cwd. */
export function defaultConfigPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < MAX_CONF_SEARCH_DEPTH; i++) {
    const candidate = join(dir, 'conf', 'default.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new ConfigError(`cannot find conf/default.json above ${fileURLToPath(import.meta.url)}; is the package installed completely?`);
}

export function readJsonFile(file: string, label: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : errorMessage(err);
    throw new ConfigError(`cannot read config file ${label}: ${reason}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${label} is not valid JSON: ${errorMessage(err)}`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`config file ${label} must hold a JSON object of settings`);
  return parsed;
}
