// The node's /ws feed: requests with ids answered by promises, pushed events, and reconnection
// with exponential backoff (the node may restart; the page carries on when it is back).

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 8000;
const REQUEST_TIMEOUT_MS = 15000;

export class FeedError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class Feed {
  /** onEvent(name, data, skipped), onState('live' | 'connecting' | 'reconnecting', detail), onOpen() */
  constructor({ onEvent, onState, onOpen }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onOpen = onOpen;
    this.nextId = 1;
    this.pending = new Map();
    this.backoffMs = BACKOFF_START_MS;
    this.ws = null;
    this.everOpened = false;
  }

  connect() {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    this.ws = ws;
    this.onState(this.everOpened ? 'reconnecting' : 'connecting', '');
    ws.addEventListener('open', () => {
      this.everOpened = true;
      this.backoffMs = BACKOFF_START_MS;
      this.onState('live', '');
      this.onOpen();
    });
    ws.addEventListener('message', (e) => this.dispatch(e.data));
    ws.addEventListener('close', (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const { reject, timer } of this.pending.values()) {
        clearTimeout(timer);
        reject(new FeedError('disconnected', 'the connection to the node closed'));
      }
      this.pending.clear();
      const delay = Math.round(this.backoffMs * (0.75 + Math.random() * 0.5));
      this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
      const why = e.reason ? `: ${e.reason}` : '';
      this.onState('reconnecting', `retrying in ${Math.ceil(delay / 1000)} s${why}`);
      setTimeout(() => this.connect(), delay);
    });
    // 'error' is always followed by 'close', which does the work.
  }

  dispatch(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof msg.event === 'string') {
      this.onEvent(msg.event, msg.data, msg.skipped ?? 0);
      return;
    }
    const entry = this.pending.get(msg.id);
    if (entry === undefined) return;
    this.pending.delete(msg.id);
    clearTimeout(entry.timer);
    if (msg.error) entry.reject(new FeedError(msg.error.code, msg.error.message));
    else entry.resolve(msg.result);
  }

  /** One read-only op; rejects with FeedError when the node refuses or the connection drops. */
  request(op, params = {}) {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return Promise.reject(new FeedError('disconnected', 'not connected to the node'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new FeedError('timeout', `the node did not answer "${op}"`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ id, op, ...params }));
    });
  }
}
