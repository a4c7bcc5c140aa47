/**
 * A minimal reference client that follows X's reconnect guidance to the letter: reconnect at
 * once after an established connection drops; otherwise +250 ms per network failure (max 16 s),
 * 5 s doubling for HTTP errors (max 320 s), 60 s doubling and never before `x-rate-limit-reset`
 * for 429s; a 30 s watchdog on bytes. The judge must pass it under any scenario.
 */
import type { Simulator } from "../../src/simulator/mod.ts";

/** A running reference client. */
export interface CurveClient {
  /** Post ids received (replays included, de-duplicated). */
  readonly ids: Set<string>;
  /** Stops after the current wait or read; resolves when it has. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the client against `url` (a stream URL of the simulator). */
export function startCurveClient(sim: Simulator, url: string): CurveClient {
  const ids = new Set<string>();
  const failures = { network: 0, http: 0, rate: 0 };
  let stopped = false;
  let current: AbortController | undefined;

  async function readStream(response: Response, abort: AbortController): Promise<boolean> {
    let established = false;
    let buffered = "";
    const decoder = new TextDecoder();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(), 30_000);
    };
    arm();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        buffered += decoder.decode(value, { stream: true });
        for (let at = buffered.indexOf("\n"); at >= 0; at = buffered.indexOf("\n")) {
          const line = buffered.slice(0, at).replace(/\r$/, "");
          buffered = buffered.slice(at + 1);
          established = true;
          const id = line === "" ? undefined : JSON.parse(line).data?.id;
          if (id) ids.add(id);
        }
      }
    } catch { /* a reset, or our own watchdog abort */ }
    clearTimeout(watchdog);
    return established;
  }

  const run = (async () => {
    while (!stopped) {
      current = new AbortController();
      const response = await sim.fetch(
        new Request(url, {
          signal: current.signal,
          headers: { authorization: "Bearer curve", "user-agent": "curve-client/1.0.0" },
        }),
      );
      if (response.status === 200) {
        if (await readStream(response, current)) {
          failures.network = failures.http = failures.rate = 0;
          continue;
        }
        if (stopped) break;
        failures.network++;
        await sleep(Math.min(250 * failures.network, 16_000));
        continue;
      }
      await response.body?.cancel();
      if (response.status === 429) {
        failures.rate++;
        const resetMs = Number(response.headers.get("x-rate-limit-reset")) * 1000;
        await sleep(Math.max(60_000 * 2 ** (failures.rate - 1), resetMs - Date.now()));
      } else {
        failures.http++;
        await sleep(Math.min(5_000 * 2 ** (failures.http - 1), 320_000));
      }
    }
  })();

  return {
    ids,
    async stop() {
      stopped = true;
      current?.abort();
      await run;
    },
  };
}
