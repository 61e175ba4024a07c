/**
 * How many calls a process may hold at once. Each holds a pooled connection for as long as it
 * lasts, and the calls (and everything else the process does) need connections of their own:
 * holding the whole pool would leave them waiting for each other. Written here rather than taken
 * from a library because it is a counter and a queue, nothing more.
 */
export interface HoldLimit {
  run<T>(call: () => Promise<T>): Promise<T>;
}

export function createHoldLimit(slots: number): HoldLimit {
  let free = slots;
  const waiting: Array<() => void> = [];
  return {
    async run(call) {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await call();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free++;
      }
    },
  };
}
