/**
 * How each product says things on the wire: v2 posts and problems, PowerTrack activities and
 * system messages. A connection holds the dialect of its stream.
 *
 * @module
 */
import type { DisconnectType } from "../messages.ts";
import type { History } from "./history.ts";
import type { PostFactory, RuleRef } from "./post_factory.ts";
import {
  connectionExceptionProblem,
  fullBufferMessage,
  MAINTENANCE_MESSAGE,
  operationalDisconnectLine,
  type ProblemHost,
  problemLine,
  systemMessageLine,
  tooManyConnectionsMessage,
  usageCappedProblem,
} from "./problems.ts";
import type { RulesStore } from "./rules_store.ts";
import type { FeedName } from "./stream_catalog.ts";

/** The lines one product sends. */
export interface Dialect {
  readonly product: "v2" | "powertrack";
  /** A post's line; `undefined` when history no longer holds it. */
  renderPost(seq: number): string | undefined;
  operationalDisconnect(type: DisconnectType): string;
  maintenance(): string;
  tooManyConnections(allowed: number): string;
  fullBuffer(bufferSize: number): string;
  /** The usage-capped line; `undefined` where the product has none (PowerTrack). */
  usageCapped(period: "Daily" | "Monthly"): string | undefined;
}

/** What the dialects need from the simulator. */
export interface DialectSources {
  readonly factory: PostFactory;
  readonly history: History;
  readonly rules: RulesStore;
  readonly powertrackRules: readonly RuleRef[];
  readonly problemHost: ProblemHost;
  readonly now: () => number;
}

/** The v2 dialect for a feed (`withRules`: the filtered stream adds `matching_rules`). */
export function v2Dialect(sources: DialectSources, feed: FeedName, withRules: boolean): Dialect {
  const { factory, history, rules, problemHost: host } = sources;
  const renderPost = (seq: number): string | undefined => {
    if (!history.has(seq)) return undefined;
    const atMs = history.atMs(seq);
    if (feed === "tweet-compliance") return factory.tweetComplianceLine(seq, atMs);
    if (feed === "user-compliance") return factory.userComplianceLine(seq, atMs);
    if (!withRules) return factory.v2Line(seq, atMs);
    const refs: RuleRef[] = [];
    for (let slot = 0; slot < 3; slot++) {
      const index = history.rule(seq, slot);
      if (index >= 0) refs.push(rules.ref(index));
    }
    return factory.v2Line(seq, atMs, refs);
  };
  return {
    product: "v2",
    renderPost,
    operationalDisconnect: (type) => operationalDisconnectLine(host, type),
    maintenance: () => operationalDisconnectLine(host, "OperationalDisconnect"),
    tooManyConnections: () => problemLine(connectionExceptionProblem(host, "TooManyConnections")),
    fullBuffer: () => operationalDisconnectLine(host, "SlowReader"),
    usageCapped: (period) => problemLine(usageCappedProblem(host, period)),
  };
}

/** The PowerTrack dialect for the stream at `streamUrl`. */
export function powertrackDialect(sources: DialectSources, streamUrl: string): Dialect {
  const { factory, history, powertrackRules, now } = sources;
  const maintenance = () => systemMessageLine("info", MAINTENANCE_MESSAGE, now());
  return {
    product: "powertrack",
    renderPost: (seq) => {
      if (!history.has(seq)) return undefined;
      const rule = powertrackRules[history.rule(seq, 3)];
      return factory.powertrackLine(seq, history.atMs(seq), rule ? [rule] : []);
    },
    operationalDisconnect: maintenance,
    maintenance,
    tooManyConnections: (allowed) =>
      systemMessageLine("error", tooManyConnectionsMessage(allowed), now()),
    fullBuffer: (size) => systemMessageLine("error", fullBufferMessage(streamUrl, size), now()),
    usageCapped: () => undefined,
  };
}
