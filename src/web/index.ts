/** The live status page and its /ws feed (served on the RPC port, before the cookie check). */
export * from './constants.js';
export { WebError, type WebErrorCode } from './errors.js';
export { DEFAULT_WS_LIMITS, type WsHubStats, type WsLimits } from './hub.js';
export { WEB_OPS, type WebOp } from './ops.js';
export type { BlockRef, BlockSummaryView, ExplorerView, WebEvent, WebEventName, WebSource } from './source.js';
export { WEB_EVENT_NAMES } from './source.js';
export { StatusPage, type StatusPageOptions } from './status-page.js';
export { explorerViews } from './explorer-views.js';
export { type NodeWebSourceOptions, type WebExplorerViews, nodeWebSource } from './node-source.js';
