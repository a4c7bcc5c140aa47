/**
 * Small response helpers shared by the routes.
 *
 * @module
 */

/** A JSON response (`application/json; charset=utf-8`). */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** Reads a request body as JSON; `undefined` (not a throw) when it is not JSON. */
export async function readJson(request: Request): Promise<{ value: unknown } | undefined> {
  const text = await request.text();
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
