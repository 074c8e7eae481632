/** Moved to src/util/log-throttle.ts (the RPC server and the status page use it too); p2p's imports keep working. */
export { LogThrottle } from '../util/log-throttle.js';
