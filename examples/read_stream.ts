/**
 * The library in one page: read a stream with `connect()`, watch its lifecycle events, and stop.
 * With no arguments it reads from holdfast's X simulator in-process (no account, no network);
 * give it a bearer token in `X_BEARER_TOKEN` and it reads the real sample stream instead.
 *
 *     deno run -A examples/read_stream.ts
 *     bun examples/read_stream.ts
 *     node --import tsx examples/read_stream.ts
 *
 * @module
 */
import { connect, type PostMessage, v2Stream } from "../mod.ts";
import { createSimulator } from "../src/simulator/mod.ts";

/** Reads `count` posts from the sample stream (the simulator's, or X's with `token`), then
 * closes the client. Returns the posts read and the lifecycle event types seen. */
export async function readPosts(
  count: number,
  token?: string,
): Promise<{ posts: PostMessage[]; events: string[] }> {
  const sim = token === undefined
    ? createSimulator({ scenario: "steady", seed: 1, postsPerSecond: 50 })
    : undefined;
  const events: string[] = [];
  const client = connect({
    endpoint: v2Stream("sample"),
    auth: { bearer: token ?? "simulated-token" },
    fetch: sim?.fetch, // undefined: the global fetch, i.e. the real X API
    onEvent: (event) => events.push(event.type),
  });
  const posts: PostMessage[] = [];
  try {
    for await (const post of client) {
      posts.push(post); // post.line is the JSON exactly as X sent it; post.json is parsed
      if (posts.length === count) break; // leaving the loop closes the client
    }
  } finally {
    await client.close();
    sim?.close();
  }
  return { posts, events };
}

// Run as a program (Deno and Bun set `import.meta.main`; on Node, compare with the script path).
const node =
  (globalThis as { process?: { argv: string[]; env: Record<string, string | undefined> } })
    .process;
const isMain = (import.meta as { main?: boolean }).main ??
  (node !== undefined && import.meta.url === new URL(`file://${node.argv[1]}`).href);
if (isMain) {
  const { posts, events } = await readPosts(5, node?.env.X_BEARER_TOKEN);
  for (const post of posts) console.log(post.id, post.createdAt, post.line.slice(0, 60) + "...");
  console.log("events:", events.join(" "));
}
