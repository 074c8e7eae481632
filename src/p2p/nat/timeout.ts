import { NatError } from './errors.js';

/**
 * Bounds a library call that has no timeout of its own (nat-upnp's HTTP requests, NAT-PMP over
 * UDP without retransmits). The abandoned promise's rejection is swallowed.
 */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NatError('nat-timeout', `${what} got no answer within ${timeoutMs} ms.`)), timeoutMs);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An AbortSignal that fires after `timeoutMs` or when `parent` aborts. Built from a plain
 * controller and timer: a signal from AbortSignal.any([AbortSignal.timeout(…)]) held only by a
 * library was seen never to fire, leaving SSDP discovery running forever.
 */
export function deadlineSignal(timeoutMs: number, parent?: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new NatError('nat-timeout', `no answer within ${timeoutMs} ms.`)), timeoutMs);
  const onParentAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
