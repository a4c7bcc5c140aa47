/**
 * Applies a fault: to the live connections it targets, or to the queue of connect faults.
 *
 * @module
 */
import { CONNECT_BUDGET_WINDOW_MS } from "../x_limits.ts";
import { closeSlowReader } from "./accept.ts";
import type { ConnectFault } from "./connect_faults.ts";
import type { LiveConnection } from "./connection_registry.ts";
import type { SimContext } from "./context.ts";
import type { Fault, FaultResult, FaultTarget } from "./faults.ts";

/** A flap drops the connection this long after accepting it (before any heartbeat). */
const DEFAULT_FLAP_AFTER_MS = 500;

function targets(ctx: SimContext, target: FaultTarget): LiveConnection[] {
  return ctx.registry.all().filter((c) =>
    (target.endpoint === undefined || c.endpoint === target.endpoint) &&
    (target.connectionId === undefined || c.id === target.connectionId)
  );
}

function actOnLive(ctx: SimContext, fault: Fault & FaultTarget, connection: LiveConnection): void {
  const { body, dialect } = connection;
  switch (fault.kind) {
    case "operational-disconnect":
      return body.endWith(
        dialect.operationalDisconnect(fault.disconnectType ?? "OperationalDisconnect"),
        "operational-disconnect",
      );
    case "eof":
      return body.endWith(undefined, "eof");
    case "reset":
      return body.reset();
    case "stall":
      connection.fault = "stall";
      return body.stall(fault.durationMs);
    case "full-buffer":
      return closeSlowReader(ctx, connection);
    case "maintenance":
      return body.endWith(dialect.maintenance(), "maintenance");
    case "too-many-connections":
      return body.endWith(
        dialect.tooManyConnections(ctx.options.maxConnections),
        "too-many-connections",
      );
  }
}

/** Applies `fault` now and says what it did. */
export function applyFault(ctx: SimContext, fault: Fault): FaultResult {
  let connections = 0;
  const queue = ctx.connectFaults;
  switch (fault.kind) {
    case "http-status":
    case "auth-failure":
    case "rate-limit":
    case "flap": {
      const expiresAtMs = fault.expiresInMs === undefined
        ? Infinity
        : ctx.now() + fault.expiresInMs;
      const add = (connectFault: ConnectFault, count = 1) =>
        queue.add(connectFault, count, fault.endpoint, expiresAtMs);
      if (fault.kind === "flap") {
        add({ kind: "flap", afterMs: fault.afterMs ?? DEFAULT_FLAP_AFTER_MS }, fault.count);
      } else if (fault.kind === "rate-limit" || fault.status === 429) {
        add({
          kind: "rate-limit",
          resetInMs: (fault.kind === "rate-limit" && fault.resetInMs) || CONNECT_BUDGET_WINDOW_MS,
        });
      } else {
        add({ kind: "http-status", status: fault.status ?? 401 }, fault.count);
      }
      break;
    }
    case "usage-cap": {
      const period = fault.period ?? "Monthly";
      ctx.usageCap = {
        period,
        untilMs: fault.durationMs === undefined ? undefined : ctx.now() + fault.durationMs,
      };
      for (const connection of ctx.registry.all()) {
        const line = connection.dialect.usageCapped(period);
        if (line === undefined) continue;
        connection.body.endWith(line, "usage-capped");
        connections++;
      }
      break;
    }
    case "clear":
      queue.clear();
      ctx.usageCap = undefined;
      ctx.budget.clear();
      for (const connection of ctx.registry.all()) {
        connection.fault = undefined;
        connection.body.resume();
      }
      break;
    default:
      for (const connection of targets(ctx, fault)) {
        actOnLive(ctx, fault, connection);
        connections++;
      }
  }
  return { kind: fault.kind, connections, pendingConnectFaults: queue.size };
}
