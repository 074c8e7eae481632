/**
 * "host:port" strings of the config (`bootstrap`), the `--bootstrap` flag and `cli addpeer`.
 * An IPv6 host is written in brackets, "[::1]:9000", so the last colon is never ambiguous.
 */
import { isIP } from 'node:net';
import { KadchainError } from '../util/errors.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export class HostPortError extends KadchainError {
  constructor(message: string) {
    super('invalid-host-port', message);
  }
}

const MAX_PORT = 65_535;
/** RFC 1123 host names: letters, digits, hyphens, dots; at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** What is wrong with `text` as host:port, or undefined when it is fine. */
export function hostPortProblem(text: string): string | undefined {
  try {
    parseHostPort(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function parseHostPort(text: string): HostPort {
  const shown = JSON.stringify(text);
  const example = 'like 127.0.0.1:9000 or [::1]:9000';
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(trimmed);
  const plain = /^([^:[\]]+):([^:]*)$/.exec(trimmed);
  const match = bracketed ?? plain;
  if (match === null) throw new HostPortError(`${shown} is not a host:port address (${example})`);
  const [, host = '', portText = ''] = match;
  if (bracketed !== null && isIP(host) !== 6) throw new HostPortError(`${shown}: "${host}" in brackets is not an IPv6 address (${example})`);
  if (bracketed === null && isIP(host) === 0 && !HOST_NAME.test(host)) {
    throw new HostPortError(`${shown}: "${host}" is neither an IP address nor a host name (${example})`);
  }
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 1 && port <= MAX_PORT)) throw new HostPortError(`${shown}: the port must be a number from 1 to ${MAX_PORT} (${example})`);
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
