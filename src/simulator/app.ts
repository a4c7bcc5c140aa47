/**
 * The simulator's Hono app: the v2 streams, the rules and connections endpoints, PowerTrack,
 * and the `/_sim/` control routes. A pure fetch handler: no listener, no runtime API.
 *
 * @module
 */
import { Hono } from "hono";
import { connectStream } from "./connect.ts";
import { mountConnectionsRoutes } from "./connections_routes.ts";
import type { SimContext } from "./context.ts";
import { mountControlRoutes } from "./control_routes.ts";
import { jsonResponse } from "./http.ts";
import { statusProblem } from "./problems.ts";
import { mountRulesRoutes } from "./rules_routes.ts";
import type { Simulator } from "./simulator.ts";
import { powertrackPath, V2_STREAMS } from "./stream_catalog.ts";

/** Builds the app serving `ctx`; the control routes act on `sim`. */
export function buildApp(ctx: SimContext, sim: Simulator): Hono {
  const app = new Hono();
  mountRulesRoutes(app, ctx);
  for (const spec of V2_STREAMS) {
    app.get(
      spec.path,
      (c) =>
        connectStream(ctx, c.req.raw, {
          endpoint: spec.name,
          product: "v2",
          feed: spec.feed,
          spec,
        }),
    );
  }
  const { account, label } = ctx.options;
  const ptPath = powertrackPath(account, label);
  app.get("/stream/powertrack/accounts/:account/publishers/twitter/:file", (c) => {
    if (c.req.path !== ptPath) return jsonResponse({ error: { message: "Stream not found" } }, 404);
    return connectStream(ctx, c.req.raw, {
      endpoint: "powertrack",
      product: "powertrack",
      feed: "posts",
      streamUrl: `https://gnip-stream.x.com${ptPath}`,
    });
  });
  mountConnectionsRoutes(app, ctx);
  if (ctx.options.controlRoutes) mountControlRoutes(app, sim);
  app.notFound(() =>
    jsonResponse({ errors: [{ message: "Sorry, that page does not exist", code: 34 }] }, 404)
  );
  app.onError((error) => jsonResponse({ ...statusProblem(500), detail: String(error) }, 500));
  return app;
}
