/**
 * X's Stream Connections endpoints: `GET /2/connections` (active, inactive or all),
 * `DELETE /2/connections/all`, `DELETE /2/connections/{endpoint_id}` (an endpoint name such as
 * `filter_stream`, or one connection's id) and `DELETE /2/connections` with `{"uuids":[...]}`.
 * A terminated connection gets an `operational-disconnect` (`ForceDisconnect`) and is closed.
 *
 * @module
 */
import type { Hono } from "hono";
import { readBearer } from "./auth.ts";
import type { LiveConnection } from "./connection_registry.ts";
import type { SimContext } from "./context.ts";
import { jsonResponse, readJson } from "./http.ts";
import { isoSeconds } from "./ids_and_times.ts";
import { invalidRequestProblem, statusProblem } from "./problems.ts";
import type { AttemptRecord } from "./recorder.ts";
import { ENDPOINT_NAMES } from "./stream_catalog.ts";

const REASONS: Record<string, string> = {
  "client-cancel": "client_disconnect",
  "client-abort": "client_disconnect",
  killed: "operator_disconnect",
};

function describe(ctx: SimContext, a: AttemptRecord): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: a.connectionId,
    endpoint_name: a.endpoint,
    connected_at: isoSeconds(a.atMs),
    client_ip: ctx.options.clientIp,
  };
  if (a.closedAtMs !== undefined) {
    entry.disconnected_at = isoSeconds(a.closedAtMs);
    entry.disconnect_reason = REASONS[a.closeReason ?? ""] ??
      (a.closeReason ?? "").replaceAll("-", "_");
  }
  return entry;
}

function kill(connections: readonly LiveConnection[], missing: readonly string[] = []): Response {
  for (const c of connections) {
    c.body.endWith(c.dialect.operationalDisconnect("ForceDisconnect"), "killed");
  }
  const results = [
    ...connections.map((c) => ({ uuid: c.id, success: true, error_message: "" })),
    ...missing.map((uuid) => ({ uuid, success: false, error_message: "Connection not found" })),
  ];
  return jsonResponse({
    data: { successful_kills: connections.length, failed_kills: missing.length, results },
  });
}

/** Mounts the connections routes on `app`. */
export function mountConnectionsRoutes(app: Hono, ctx: SimContext): void {
  const authorized = (request: Request) =>
    readBearer(request, ctx.options.bearerTokens)?.valid === true;
  const unauthorized = () => jsonResponse(statusProblem(401), 401);
  const v2Live = () => ctx.registry.all().filter((c) => c.endpoint !== "powertrack");

  app.get("/2/connections", (c) => {
    if (!authorized(c.req.raw)) return unauthorized();
    const status = c.req.query("status") ?? "active";
    if (!["active", "inactive", "all"].includes(status)) {
      return jsonResponse(
        invalidRequestProblem(ctx.options.problemHost, [{
          parameters: { status: [status] },
          message: "The `status` query parameter must be one of active, inactive, all",
        }]),
        400,
      );
    }
    const records = ctx.recorder.list().filter((a) =>
      a.connectionId !== undefined && a.endpoint !== "powertrack" &&
      (status === "all" || (status === "active") === (a.closedAtMs === undefined))
    );
    const data = records.map((a) => describe(ctx, a));
    return jsonResponse(
      data.length > 0
        ? { data, meta: { result_count: data.length } }
        : { meta: { result_count: 0 } },
    );
  });

  app.delete("/2/connections/all", (c) => authorized(c.req.raw) ? kill(v2Live()) : unauthorized());

  app.delete("/2/connections/:endpointId", (c) => {
    if (!authorized(c.req.raw)) return unauthorized();
    const target = c.req.param("endpointId");
    if ((ENDPOINT_NAMES as readonly string[]).includes(target)) {
      return kill(v2Live().filter((x) => x.endpoint === target));
    }
    const one = v2Live().find((x) => x.id === target);
    return one ? kill([one]) : kill([], [target]);
  });

  app.delete("/2/connections", async (c) => {
    if (!authorized(c.req.raw)) return unauthorized();
    const body = await readJson(c.req.raw);
    const uuids = (body?.value as { uuids?: unknown } | undefined)?.uuids;
    if (
      !Array.isArray(uuids) || uuids.length === 0 || uuids.length > 100 ||
      !uuids.every((u) => typeof u === "string")
    ) {
      return jsonResponse(
        invalidRequestProblem(ctx.options.problemHost, [{
          parameters: { uuids: [] },
          message: "`uuids` must be an array of 1 to 100 connection ids",
        }]),
        400,
      );
    }
    const live = v2Live();
    return kill(
      live.filter((x) => uuids.includes(x.id)),
      uuids.filter((u) => !live.some((x) => x.id === u)),
    );
  });
}
