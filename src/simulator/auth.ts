/**
 * Credentials as the simulator sees them: v2 Bearer tokens and PowerTrack HTTP Basic, and the
 * redaction of secrets before a request is recorded.
 *
 * @module
 */
import { fingerprint } from "./prng.ts";

/** A credential presented with a request. */
export interface Credential {
  /** Identifies the credential for budgets and limits (internal; never reported). */
  readonly key: string;
  /** A printable name that does not reveal the secret: `bearer#1a2b3c4d`. */
  readonly label: string;
  /** False when it is not one of the accepted credentials. */
  readonly valid: boolean;
}

/** A PowerTrack username and password. */
export interface BasicCredentials {
  /** The PowerTrack username. */
  readonly username: string;
  /** The PowerTrack password. */
  readonly password: string;
}

/** Reads `Authorization: Bearer ...`; `undefined` when absent or of another scheme. */
export function readBearer(
  request: Request,
  accepted: readonly string[] | undefined,
): Credential | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (!m) return undefined;
  const token = m[1] as string;
  return {
    key: `bearer:${token}`,
    label: `bearer#${fingerprint(token)}`,
    valid: accepted === undefined || accepted.includes(token),
  };
}

/** Reads `Authorization: Basic ...`; `undefined` when absent, of another scheme, or malformed. */
export function readBasic(
  request: Request,
  accepted: readonly BasicCredentials[] | undefined,
): Credential | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (!m) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(
      Uint8Array.from(atob(m[1] as string), (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return {
    key: `basic:${username}`,
    label: `basic#${fingerprint(username)}`,
    valid: accepted === undefined ||
      accepted.some((c) => c.username === username && c.password === password),
  };
}

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

/** The request headers with secret values replaced (`Bearer <redacted>`). */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!SECRET_HEADERS.has(name)) out[name] = value;
    else out[name] = `${/^\s*(\S+)\s+\S/.exec(value)?.[1] ?? ""} <redacted>`.trim();
  });
  return out;
}
