/**
 * DNS rebinding and cross-site WebSocket checks. A web page on evil.example can make the browser
 * of the node's owner talk to 127.0.0.1 by re-pointing its own name there: the request then
 * carries `Host: evil.example`, so only the names this server really is are accepted. A page's
 * WebSocket is not bound by the same-origin policy, so /ws also checks `Origin` (a browser always
 * sends it; a script or `wscat` need not, and may connect: the feed is public chain data).
 */
import type { Socket } from 'node:net';

/** The loopback names every node answers to (with its own port). */
const LOOPBACK_HOSTNAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];
const DEFAULT_HTTP_PORT = 80;

interface ParsedHost {
  /** Lower-case, IPv6 in brackets (URL's normal form). */
  readonly hostname: string;
  readonly port: number;
  /** hostname:port as a browser writes it in Origin (port left out when 80). */
  readonly host: string;
}

/** A Host header (or an origin's host part) in URL's normal form; undefined when it is not a plain host[:port]. */
function parseHost(value: string): ParsedHost | undefined {
  if (value.length === 0 || /[/?#@\\\s]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${value}`);
  } catch {
    return undefined;
  }
  return { hostname: url.hostname, port: url.port === '' ? DEFAULT_HTTP_PORT : Number(url.port), host: url.host };
}

/** An address as it appears in a URL: IPv6 in brackets, an IPv4-mapped IPv6 address as IPv4. */
function urlHostname(address: string): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
  if (!plain.includes(':')) return plain.toLowerCase();
  try {
    return new URL(`http://[${plain}]/`).hostname;
  } catch {
    return `[${plain.toLowerCase()}]`;
  }
}

export interface HostGuardOptions {
  /** The address the server was told to bind (rpcHost): its name is accepted too. */
  readonly bindHost: string;
}

export class HostGuard {
  private readonly extraNames: readonly string[];

  constructor(options: HostGuardOptions) {
    const bind = parseHost(options.bindHost.includes(':') && !options.bindHost.startsWith('[') ? `[${options.bindHost}]` : options.bindHost);
    this.extraNames = bind === undefined ? [] : [bind.hostname];
  }

  /**
   * The Host header names this server on this connection: a loopback name, the bind address or
   * the local address the client reached, with the port it reached. Undefined when it does not.
   */
  checkHost(hostHeader: string | undefined, socket: Pick<Socket, 'localAddress' | 'localPort'>): ParsedHost | undefined {
    if (hostHeader === undefined) return undefined;
    const host = parseHost(hostHeader);
    if (host === undefined || host.port !== socket.localPort) return undefined;
    const names = [...LOOPBACK_HOSTNAMES, ...this.extraNames];
    if (socket.localAddress !== undefined) names.push(urlHostname(socket.localAddress));
    return names.includes(host.hostname) ? host : undefined;
  }

  /** No Origin (not a browser), or exactly the page's own origin: http:// and the Host it reached. */
  static checkOrigin(origin: string | undefined, host: ParsedHost): boolean {
    if (origin === undefined) return true;
    if (!origin.startsWith('http://')) return false;
    const parsed = parseHost(origin.slice('http://'.length));
    return parsed !== undefined && parsed.host === host.host;
  }
}
