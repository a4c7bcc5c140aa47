/**
 * A tiny, edge-neutral writer for the Prometheus text exposition format 0.0.4 (no prom-client,
 * which is Node-only). Counters and gauges, `# HELP`/`# TYPE` lines, label escaping, name
 * validation and `NaN`/`+Inf`/`-Inf` values.
 *
 * @module
 */

/** The content type of the text exposition format 0.0.4, exactly as Prometheus expects it. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The metric types this writer emits. */
export type MetricType = "counter" | "gauge";

/** Label names to values. Names must match `[a-zA-Z_][a-zA-Z0-9_]*` and must not start with `__`. */
export type MetricLabels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Family {
  readonly type: MetricType;
  readonly help: string;
  /** Rendered `name{labels} value` lines, keyed by the rendered label set (to refuse duplicates). */
  readonly samples: Map<string, string>;
}

/**
 * Collects metric families and renders them in the text format. Samples of one name are grouped
 * under one `# HELP`/`# TYPE` pair whatever order they were added in; families keep the order in
 * which their names first appeared. Every call validates before it changes anything, so a refused
 * sample leaves the writer as it was.
 *
 * @example
 * ```ts
 * import { MetricsWriter } from "./prometheus.ts";
 * const text = new MetricsWriter()
 *   .counter("jobs_total", "Jobs done.", 3, { queue: "a\"b" })
 *   .gauge("temperature_celsius", "Current temperature.", Number.NaN)
 *   .toString();
 * console.assert(text.includes('jobs_total{queue="a\\"b"} 3\n'));
 * console.assert(text.includes("temperature_celsius NaN\n"));
 * ```
 */
export class MetricsWriter {
  #families = new Map<string, Family>();

  /**
   * Adds a counter sample. `value` must be a non-negative number (or `+Inf`/`NaN`);
   * `undefined` declares the family (`# HELP`/`# TYPE`) without a sample.
   * By convention counter names end in `_total`.
   */
  counter(name: string, help: string, value: number | undefined, labels?: MetricLabels): this {
    if (value !== undefined && value < 0) {
      throw new RangeError(
        `Cannot write metric '${name}' as 'value' must be a non-negative number for a counter: current value is ${value}`,
      );
    }
    return this.#add("counter", name, help, value, labels);
  }

  /** Adds a gauge sample; `undefined` declares the family without a sample. */
  gauge(name: string, help: string, value: number | undefined, labels?: MetricLabels): this {
    return this.#add("gauge", name, help, value, labels);
  }

  /** Renders every family: `# HELP`, `# TYPE`, then its samples; ends with a newline. */
  toString(): string {
    let out = "";
    for (const [name, family] of this.#families) {
      out += `# HELP ${name} ${escapeHelp(family.help)}\n# TYPE ${name} ${family.type}\n`;
      for (const line of family.samples.values()) out += line;
    }
    return out;
  }

  #add(
    type: MetricType,
    name: string,
    help: string,
    value: number | undefined,
    labels: MetricLabels | undefined,
  ): this {
    if (typeof name !== "string" || !METRIC_NAME.test(name)) {
      throw new TypeError(
        `Cannot write metric as 'name' must match ${METRIC_NAME}: current value is ${
          JSON.stringify(name)
        }`,
      );
    }
    if (value !== undefined && typeof value !== "number") {
      throw new TypeError(
        `Cannot write metric '${name}' as 'value' must be a number: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
    const existing = this.#families.get(name);
    if (existing && existing.type !== type) {
      throw new TypeError(
        `Cannot write metric '${name}' as 'type' must match its earlier samples (${existing.type}): current value is ${type}`,
      );
    }
    const labelText = renderLabels(name, labels);
    if (existing?.samples.has(labelText)) {
      throw new TypeError(
        `Cannot write metric '${name}' as 'labels' must differ from its earlier samples: current value is {${labelText}}`,
      );
    }
    const family = existing ?? { type, help: String(help), samples: new Map<string, string>() };
    if (value !== undefined) {
      family.samples.set(
        labelText,
        `${name}${labelText === "" ? "" : `{${labelText}}`} ${formatValue(value)}\n`,
      );
    }
    this.#families.set(name, family);
    return this;
  }
}

/** Formats a sample value: integers and decimals as JavaScript prints them, `NaN`, `+Inf`, `-Inf`. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Object.is(value, -0) ? "0" : String(value);
}

/** Escapes a label value: backslash, double quote and line feed (the format's three escapes). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function renderLabels(name: string, labels: MetricLabels | undefined): string {
  if (labels === undefined) return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(key) || key.startsWith("__")) {
      throw new TypeError(
        `Cannot write metric '${name}' as each label name must match ${LABEL_NAME} and not start with '__': current value is ${
          JSON.stringify(key)
        }`,
      );
    }
    if (typeof value !== "string") {
      throw new TypeError(
        `Cannot write metric '${name}' as label '${key}' must be a string: current value is ${
          String(value)
        }`,
      );
    }
    parts.push(`${key}="${escapeLabelValue(value)}"`);
  }
  return parts.join(",");
}
