/**
 * The streams the simulator serves, named as X's `/2/connections` names them.
 *
 * @module
 */

/** A stream endpoint, by X's `endpoint_name` (and `powertrack` for Enterprise PowerTrack). */
export type EndpointName =
  | "filter_stream"
  | "sample_stream"
  | "sample10_stream"
  | "firehose_stream"
  | "tweets_compliance_stream"
  | "users_compliance_stream"
  | "powertrack";

/** Which published flow a stream carries. */
export type FeedName = "posts" | "tweet-compliance" | "user-compliance";

/** One v2 stream endpoint. */
export interface V2StreamSpec {
  readonly name: Exclude<EndpointName, "powertrack">;
  readonly path: string;
  readonly feed: FeedName;
  /** `partition` is required and ranges over `1..partitions` (X docs per endpoint). */
  readonly partitions: number | undefined;
}

/** The v2 stream endpoints (X API v2 reference). */
export const V2_STREAMS: readonly V2StreamSpec[] = [
  { name: "filter_stream", path: "/2/tweets/search/stream", feed: "posts", partitions: undefined },
  { name: "sample_stream", path: "/2/tweets/sample/stream", feed: "posts", partitions: undefined },
  { name: "sample10_stream", path: "/2/tweets/sample10/stream", feed: "posts", partitions: 2 },
  { name: "firehose_stream", path: "/2/tweets/firehose/stream", feed: "posts", partitions: 20 },
  {
    name: "tweets_compliance_stream",
    path: "/2/tweets/compliance/stream",
    feed: "tweet-compliance",
    partitions: 4,
  },
  {
    name: "users_compliance_stream",
    path: "/2/users/compliance/stream",
    feed: "user-compliance",
    partitions: 4,
  },
];

/** Every endpoint name, for validation. */
export const ENDPOINT_NAMES: readonly EndpointName[] = [
  ...V2_STREAMS.map((s) => s.name),
  "powertrack",
];

/** The PowerTrack stream path of an account and label. */
export function powertrackPath(account: string, label: string): string {
  return `/stream/powertrack/accounts/${account}/publishers/twitter/${label}.json`;
}
