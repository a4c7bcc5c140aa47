/**
 * Plain types describing a connection's body: why it ended and what it carried.
 *
 * @module
 */

/** Why a connection ended. */
export type CloseReason =
  | "client-cancel"
  | "client-abort"
  | "eof"
  | "reset"
  | "flap"
  | "operational-disconnect"
  | "maintenance"
  | "too-many-connections"
  | "slow-reader"
  | "usage-capped"
  | "recovery-complete"
  | "killed"
  | "simulator-closed";

/** Counters of one connection. */
export interface BodyStats {
  /** Posts sent (replayed ones included). */
  postsDelivered: number;
  /** Heartbeats sent. */
  heartbeatsDelivered: number;
  /** Disconnect or system messages sent. */
  controlLines: number;
  /** Bytes written to the body. */
  bytesDelivered: number;
  /** Posts lost by this connection (buffer dropped, or published during a stall). */
  postsDropped: number;
}
