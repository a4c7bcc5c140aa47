/**
 * The package version, read from `deno.json` (the one source of truth for it).
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/** The version of holdfast, as published to JSR and npm. */
export const VERSION: string = denoJson.version;
