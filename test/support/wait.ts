/**
 * Waiting on something a test cannot await directly, with a bound so that a condition that never
 * comes fails the test with its name instead of hanging it.
 */
const POLL_MS = 10;

export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Waits until a counter stops moving (the same value for `quietMs`) and returns that value; fails
 * if it is still moving after `timeoutMs`. For "the producer stops when the consumer stalls".
 */
export async function waitUntilSteady(read: () => number, what: string, quietMs = 300, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  let since = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const now = read();
    if (now !== value) {
      value = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return value;
    }
    if (Date.now() > deadline) throw new Error(`${what} was still changing after ${timeoutMs} ms`);
  }
}
