/**
 * A kadchain node: storage, wallet, mempool, miner, the network (TCP peers + UDP discovery) and
 * the RPC server wired together, with a start/stop lifecycle. Start takes the data-dir lock
 * first and undoes everything it did if a later step fails (teardown.ts, in the stop order); the
 * RPC context is assembled in rpc-context.ts.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Chain } from '../chain/chain.js';
import { Mempool } from '../mempool/index.js';
import { Miner } from '../miner/index.js';
import type { Block } from '../primitives/block.js';
import { RpcServer } from '../rpc/server.js';
import { allMethods } from '../rpc/index.js';
import { writeCookie } from '../rpc/cookie.js';
import { emptyChainHint } from '../util/suggest.js';
import { mkdirFailureCause, writeFailureReason } from '../util/disk.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { Wallet } from '../wallet/index.js';
import { followChain } from './chain-mempool.js';
import { mempoolPolicy, parseMiningAddress } from './component-settings.js';
import type { NodeConfig } from './config.js';
import { CHAIN_DIR_NAME, INDEX_DIR_NAME, WALLET_FILE_NAME } from './constants.js';
import { ChainIndexer } from '../explorer/index.js';
import { NodeError } from './errors.js';
import { type DataDirLock, lockDataDir } from './lock.js';
import { nodeRpcContext } from './rpc-context.js';
import { type Running, teardown } from './teardown.js';
import { StatusPage, explorerViews, nodeWebSource } from '../web/index.js';
import { Advertiser } from './advertise.js';
import { disabledNodeNatState } from './nat-state.js';
import { type NodeNetwork, startNetwork } from './network.js';

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

export interface KadchainNodeOptions {
  config: NodeConfig;
  /** Root logger; every subsystem takes a child of it. */
  logger: Logger;
  /** `cli start --reindex`: rebuild the chain state from the stored blocks before starting (a one-off action, not a setting). */
  reindex?: boolean;
  /**
   * The node must stop itself (a store that cannot be written). `cli start` passes its shutdown,
   * so the stop watchdog and the exit code apply; without it the node just stops.
   */
  onFailure?: (err: Error) => void;
}

export class KadchainNode {
  readonly config: NodeConfig;
  private readonly rootLogger: Logger;
  private readonly logger: Logger;
  private running: Running | undefined;
  private stopping: Promise<void> | undefined;
  /** Aborted by stop(): a reindex still running inside start() ends after its current chunk. */
  private starting: { done: Promise<void>; aborter: AbortController } | undefined;
  private rpcAddress: AddressInfo | undefined;
  private netInfo: NodeNetwork | undefined;
  private readonly stoppedListeners: Array<() => void> = [];
  private readonly reindex: boolean;
  private failedWith: Error | undefined;
  private readonly onFailure: ((err: Error) => void) | undefined;

  constructor(options: KadchainNodeOptions) {
    this.config = options.config;
    this.rootLogger = options.logger;
    this.logger = options.logger.child({ component: 'node' });
    this.reindex = options.reindex === true;
    this.onFailure = options.onFailure;
  }

  /** The address the RPC server listens on (after start). */
  get rpc(): AddressInfo | undefined {
    return this.rpcAddress;
  }

  /** Node id and the TCP/UDP ports actually bound (after start). */
  get network(): NodeNetwork | undefined {
    return this.netInfo;
  }

  /** Called once the node has fully stopped (from an RPC `stop`, a signal, or stop()). */
  onStopped(listener: () => void): void {
    this.stoppedListeners.push(listener);
  }

  async start(): Promise<void> {
    if (this.running !== undefined) throw new NodeError('already-started', 'this node is already started');
    const { config } = this;
    const miningPubKeyHash = parseMiningAddress(config.mining.address);
    // The first directory this start made (undefined when the data dir existed): a failed start
    // removes it, so a typo'd --datadir leaves no half-made dir behind; an existing one is never touched.
    let createdDir: string | undefined;
    try {
      createdDir = mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new NodeError('datadir-unusable', `cannot create data dir ${config.dataDir} (${writeFailureReason(config.dataDir, mkdirFailureCause(config.dataDir, err))}); pick another --datadir`, { cause: err });
    }
    let lock: DataDirLock;
    try {
      lock = lockDataDir(config.dataDir);
    } catch (err) {
      this.removeCreatedDir(createdDir);
      throw err;
    }
    const run: Running = { lock };
    this.running = run;
    const aborter = new AbortController();
    let started!: () => void;
    this.starting = { done: new Promise<void>((resolve) => (started = resolve)), aborter };
    // A stop (a signal, a storage failure) while starting: go no further, undo what is up.
    const checkStopped = (): void => {
      if (aborter.signal.aborted) throw new NodeError('start-interrupted', 'the node was stopped while starting');
    };
    try {
      const logger = this.rootLogger;
      // One line per block a person cares about: a catching-up sync summarises its blocks, the
      // miner logs its own. The peer layer and miner start after the chain: until then, none.
      const quietBlockLog = (block: Block): boolean => (run.p2p?.isCatchingUp ?? false) || (run.miner?.isSubmitting(block.hash) ?? false);
      const chain = await Chain.open({ path: join(config.dataDir, CHAIN_DIR_NAME), params: config.chain, logger, reindex: this.reindex, signal: aborter.signal, quietBlockLog });
      run.chain = chain;
      checkStopped();
      const wallet = await Wallet.open({ path: join(config.dataDir, WALLET_FILE_NAME), logger });
      checkStopped();
      const mempool = new Mempool({
        chain,
        logger,
        maxTxs: config.txpool.maxTxs,
        coinbaseMaturity: config.chain.coinbaseMaturity,
        maxBlockBytes: config.chain.maxBlockBytes,
        policy: mempoolPolicy(config.txpool),
      });
      // The chain logs each block itself; the node only keeps the mempool in step with it (chain-mempool.ts).
      followChain(chain, mempool, this.logger);
      chain.on('storage:failed', (err) => this.fail(err));
      const indexer = new ChainIndexer({ path: join(config.dataDir, INDEX_DIR_NAME), chain, logger });
      run.indexer = indexer;
      const rewardPubKeyHash = (): Buffer | undefined => miningPubKeyHash ?? wallet.firstPubKeyHash;
      const miner = new Miner({ chain, mempool, logger, txpoolSize: config.txpool.size, rewardPubKeyHash });
      run.miner = miner;
      const network = await startNetwork({ config, chain, mempool, logger, onStarted: (part) => Object.assign(run, part) });
      checkStopped();
      this.netInfo = network;
      const advertiser = new Advertiser({ p2p: network.p2p, discovery: network.discovery, logger });
      network.p2p.on('reachability', (state) => advertiser.setReachability(state.status));
      if (config.nat.upnp) {
        // Loaded only when used: the UPnP/NAT-PMP libraries cost ~27 MB of resident memory.
        const { startNodeNat } = await import('./nat.js');
        checkStopped();
        run.nat = startNodeNat({ tcpPort: network.tcpPort, udpPort: network.udpPort, advertiser, logger });
      }
      const nat = run.nat;

      const context = nodeRpcContext({
        config,
        logger: this.rootLogger.child({ component: 'rpc' }),
        chain,
        mempool,
        wallet,
        miner,
        indexer,
        network,
        nat: () => nat?.state() ?? disabledNodeNatState(),
        rewardPubKeyHash,
        requestStop: () => {
          this.logger.info('stop requested over rpc');
          // Let the RPC answer go out before the server closes.
          setImmediate(() => void this.stop());
        },
      });
      const cookie = writeCookie(config.dataDir);
      run.cookieWritten = true;
      // The status page reads public chain data only: no wallet in its source.
      const web = new StatusPage({
        source: nodeWebSource({
          nodeId: network.nodeKey.nodeId,
          chain,
          mempool,
          p2p: network.p2p,
          nat: context.network.nat,
          traversal: context.network.traversal,
          views: explorerViews(context.explorer),
        }),
        logger: this.rootLogger.child({ component: 'web' }),
        bindHost: config.rpcHost,
      });
      run.web = web;
      web.start();
      const rpc = new RpcServer({ host: config.rpcHost, port: config.rpcPort, cookie, methods: allMethods(context), logger: context.logger, web });
      try {
        this.rpcAddress = await rpc.start();
      } catch (err) {
        throw new NodeError('rpc-listen-failed', `cannot listen for RPC on ${config.rpcHost}:${config.rpcPort}: ${errorMessage(err)} (another node there? pick another --rpc-port)`, { cause: err });
      }
      run.rpc = rpc;
      checkStopped();
      if (!LOOPBACK_HOSTS.has(config.rpcHost)) {
        this.logger.warn({ rpcHost: config.rpcHost }, 'rpc listens beyond this machine: anyone who can read the cookie or sniff the traffic controls the wallet');
      }
      miner.start();
      indexer.start();
      this.logger.info(
        {
          nodeId: network.nodeKey.nodeId.toString('hex'),
          tcp: `${config.listenHost}:${network.tcpPort}`,
          udp: network.udpPort === undefined ? 'off' : `${config.listenHost}:${network.udpPort}`,
          bootstrap: config.bootstrap.map((b) => `${b.host}:${b.port}`),
        },
        'network up',
      );
      const tip = chain.tip;
      this.logger.info(
        { dataDir: config.dataDir, height: tip?.height ?? null, tip: tip?.hash.toString('hex') ?? null, rpc: `${this.rpcAddress.address}:${this.rpcAddress.port}` },
        tip === undefined ? `node started with an empty chain; ${emptyChainHint(config, config.bootstrap.length > 0)}` : 'node started',
      );
      this.starting = undefined;
      started();
    } catch (err) {
      this.starting = undefined;
      await this.teardown(run);
      this.removeCreatedDir(createdDir);
      this.running = undefined;
      started();
      throw err;
    }
  }

  /** Idempotent; concurrent calls share one shutdown. */
  stop(): Promise<void> {
    if (this.running === undefined) return this.stopping ?? Promise.resolve();
    if (this.stopping === undefined) {
      const run = this.running;
      this.logger.info('node stopping');
      // A start still running (a reindex, say) is told to stop, and waited for: it undoes what it
      // started itself (a reindex logs where it stopped); what it completed is torn down here.
      const starting = this.starting;
      starting?.aborter.abort();
      this.stopping = (starting?.done ?? Promise.resolve()).then(() => (this.running === run ? this.teardown(run) : undefined)).finally(() => {
        this.running = undefined;
        this.logger.info('node stopped');
        for (const listener of this.stoppedListeners.splice(0)) listener();
      });
    }
    return this.stopping;
  }

  /** Why the node stopped itself (a chain commit that could not be written), if it did. */
  get failure(): Error | undefined {
    return this.failedWith;
  }

  /**
   * Bitcoin Core's AbortNode: a store that cannot be written (a full disk) leaves the node unable
   * to follow the chain, so it says why in one line and shuts down cleanly rather than run on
   * refusing every block. What was committed before stays as it was (each commit is atomic).
   */
  private fail(err: Error): void {
    if (this.failedWith !== undefined) return;
    this.failedWith = err;
    this.logger.fatal({ err: err.message }, `shutting down: ${err.message}`);
    if (this.onFailure) this.onFailure(err);
    else void this.stop();
  }

  /** After a failed start: removes the data dir (and parents) this start created, once nothing holds it open. */
  private removeCreatedDir(createdDir: string | undefined): void {
    if (createdDir === undefined) return;
    try {
      rmSync(createdDir, { recursive: true, force: true });
    } catch (err) {
      this.logger.warn({ err: errorMessage(err), dir: createdDir }, 'could not remove the data dir this failed start created');
    }
  }

  private teardown(run: Running): Promise<void> {
    return teardown(run, this.config.dataDir, this.logger);
  }
}
