/**
 * One node of the punch lab (test/lab/punch-lab.ts) and the JSON it answers with: the issue-10
 * interface agreed with the lead (`cli nat --json`'s `traversal`, `cli peers --json`'s `punched`,
 * `cli punch <nodeId> --json`), plus log reading and polling for the lab's tests.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LabNode, type PeerRow } from './lab-cluster.js';
import { type HomeRole, type PublicRole, PunchTopology } from './punch-topology.js';

const CLI_BIN = fileURLToPath(new URL('../../../bin/cli.js', import.meta.url));
export const RPC_PORT = 9100;
const POLL_INTERVAL_MS = 100;
const LOG_LINE_SHOWN_CHARS = 400;
const CLI_TIMEOUT_MS = 60_000;

export type Reachability = 'public' | 'mapped' | 'behind-nat-port-preserving' | 'behind-nat-symmetric' | 'unknown';

/** `cli nat --json`'s `traversal` (the interface agreed with the lead for issue 10). */
export interface TraversalJson {
  observed: { ip: string | null; confirmed: boolean; agreeingPeers: number; agreeingGroups: number; portPreservation: 'yes' | 'no' | 'unknown'; reason: string };
  reachability: { status: Reachability; reason: string; successes: number; failures: number };
  punch: { attempts: number; successes: number; firstAttemptSuccesses: number; failures: number; lastFailure: { nodeId: string; reason: string } | null };
}

export interface NatJson {
  enabled: boolean;
  traversal?: TraversalJson;
  [key: string]: unknown;
}

export interface PunchPeerRow extends PeerRow {
  /** Set on a connection made by hole punching, with the relay that set it up. */
  punched?: { relay: string } | null;
}

/** `cli punch <nodeId> --json`. */
export interface PunchResultJson {
  ok: boolean;
  attempts: number;
  relay: string | null;
  reason: string | null;
  address: string | null;
  ms: number;
}

export class PunchNode extends LabNode {
  nodeId = '';
  upAtMs = 0;

  constructor(
    readonly role: PublicRole | HomeRole,
    readonly name: string,
    readonly topo: PunchTopology,
    ...rest: ConstructorParameters<typeof LabNode>
  ) {
    super(...rest);
  }

  override get label(): string {
    return `${this.name} (${this.host.ip})`;
  }

  nat(): Promise<NatJson> {
    return this.rpc<NatJson>('nat');
  }

  async traversal(): Promise<TraversalJson> {
    const nat = await this.nat();
    if (nat.traversal === undefined) throw new Error(`${this.label}: cli nat --json has no "traversal" (the NAT traversal feature is not in this node)`);
    return nat.traversal;
  }

  async punchPeers(): Promise<PunchPeerRow[]> {
    return (await this.rpc<{ peers: PunchPeerRow[] }>('peers')).peers;
  }

  /** `cli` in the node's namespace, e.g. ['nat', '--json']: its exit code and output (a non-zero exit is an answer too). */
  async cli(args: readonly string[], timeoutMs = CLI_TIMEOUT_MS): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await this.topo.exec(this.role, process.execPath, [CLI_BIN, ...args, '--datadir', this.dataDir, '--rpc-port', String(RPC_PORT)], timeoutMs);
      return { code: 0, stdout: stdout.trim(), stderr };
    } catch (err) {
      const e = err as Error & { code?: number | string; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw new Error(`${this.label}: cli ${args.join(' ')} did not run: ${e.message.split('\n')[0]}`);
      return { code: e.code, stdout: (e.stdout ?? '').trim(), stderr: e.stderr ?? '' };
    }
  }

  /** `cli punch <nodeId> --json`, with the command's exit code. */
  async punch(nodeId: string): Promise<PunchResultJson & { exitCode: number }> {
    const { code, stdout, stderr } = await this.cli(['punch', nodeId, '--json']);
    try {
      return { ...(JSON.parse(stdout) as PunchResultJson), exitCode: code };
    } catch {
      throw new Error(`${this.label}: cli punch ${nodeId.slice(0, 16)} --json exited ${code} without JSON; stdout: ${stdout}; stderr: ${stderr}`);
    }
  }

  /** The ready connection to `other`, if any. */
  async linkTo(other: PunchNode): Promise<PunchPeerRow | undefined> {
    return (await this.punchPeers()).find((p) => p.ready && p.nodeId === other.nodeId);
  }
}

/** A punched link from `a` to `b` whose remote address is b's router, not P's. */
export async function punchedLink(a: PunchNode, b: PunchNode): Promise<PunchPeerRow | undefined> {
  const row = await a.linkTo(b);
  if (row === undefined || row.punched === undefined || row.punched === null) return undefined;
  return row.address.startsWith(`${a.topo.wanIp(b.role as HomeRole)}:`) ? row : undefined;
}

/** The node's own established TCP connections to `ip`, as `ss -tnp` in its namespace shows them. */
export async function establishedTo(node: PunchNode, ip: string): Promise<string[]> {
  const { stdout } = await node.topo.exec(node.role, 'ss', ['-Htnp', 'state', 'established']);
  return stdout.split('\n').filter((line) => line.includes(`pid=${node.child.pid},`) && line.includes(` ${ip}:`));
}

function readLog(node: LabNode): string[] {
  try {
    return readFileSync(node.logFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

function shorten(line: string): string {
  return line.length > LOG_LINE_SHOWN_CHARS ? `${line.slice(0, LOG_LINE_SHOWN_CHARS)}…` : line;
}

export function logTail(node: LabNode, lines: number): string {
  return readLog(node).slice(-lines).map(shorten).join('\n');
}

/** The last `lines` log lines whose component, message, reason or code match `pattern` (paths are left out: the lab dir's own name would match). */
export function logLines(node: LabNode, lines: number, pattern: RegExp): string {
  const matches = (line: string): boolean => {
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      return pattern.test([e['component'], e['msg'], e['reason'], e['code'], e['err']].filter((v) => typeof v === 'string').join(' '));
    } catch {
      return true; // not from the logger: a crash or a warning, always worth showing
    }
  };
  return readLog(node).filter(matches).slice(-lines).map(shorten).join('\n');
}

/** Polls `check` until true; errors count as "not yet" unless `rethrowExit` and the error says a process exited. */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, rethrowExit = false): Promise<number> {
  const started = Date.now();
  let last = '';
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch (err) {
      last = (err as Error).message;
      if (rethrowExit && last.includes(' exited (')) throw err;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last.split('\n')[0]})` : ''}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

