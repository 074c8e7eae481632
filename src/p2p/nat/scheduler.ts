/** Timers behind an interface so tests can drive renewal with a fake clock. */
export interface NatScheduler {
  schedule(callback: () => void, delayMs: number): { cancel(): void };
}

/** Real timers, unref'd: a pending renewal must not keep a stopping process alive. */
export const realScheduler: NatScheduler = {
  schedule(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
