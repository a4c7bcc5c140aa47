import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escapeLabelValue, formatValue, MetricsWriter } from "../src/server/prometheus.ts";

describe("MetricsWriter", () => {
  it("writes HELP and TYPE once per family and groups samples added out of order", () => {
    const text = new MetricsWriter()
      .counter("requests_total", "Requests served.", 1, { code: "200" })
      .gauge("queue_depth", "Items queued.", 4)
      .counter("requests_total", "Requests served.", 2, { code: "500" })
      .toString();
    assert.equal(
      text,
      "# HELP requests_total Requests served.\n" +
        "# TYPE requests_total counter\n" +
        'requests_total{code="200"} 1\n' +
        'requests_total{code="500"} 2\n' +
        "# HELP queue_depth Items queued.\n" +
        "# TYPE queue_depth gauge\n" +
        "queue_depth 4\n",
    );
  });

  it("escapes backslash, double quote and newline in label values", () => {
    const text = new MetricsWriter().gauge("g", "h", 1, { path: 'C:\\dir\\"x"\nnext' }).toString();
    assert.equal(text.split("\n")[2], 'g{path="C:\\\\dir\\\\\\"x\\"\\nnext"} 1');
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  });

  it("escapes backslash and newline (not quotes) in HELP text", () => {
    const text = new MetricsWriter().gauge("g", 'one\\two\n"three"', 1).toString();
    assert.equal(text.split("\n")[0], '# HELP g one\\\\two\\n"three"');
  });

  it("formats NaN, +Inf, -Inf, negative zero and decimals as Prometheus reads them", () => {
    assert.deepEqual(
      [NaN, Infinity, -Infinity, -0, 0.25, 1e21, 12].map(formatValue),
      ["NaN", "+Inf", "-Inf", "0", "0.25", "1e+21", "12"],
    );
    const text = new MetricsWriter().gauge("g", "h", NaN).counter("c_total", "h", Infinity)
      .toString();
    assert.match(text, /^g NaN$/m);
    assert.match(text, /^c_total \+Inf$/m);
  });

  it("declares a family without a sample when the value is undefined", () => {
    assert.equal(
      new MetricsWriter().gauge("g", "h", undefined).toString(),
      "# HELP g h\n# TYPE g gauge\n",
    );
  });

  it("refuses invalid metric names with a TypeError naming the value", () => {
    for (const name of ["9lives", "has-dash", "", "sp ace", "é"]) {
      assert.throws(() => new MetricsWriter().gauge(name, "h", 1), {
        name: "TypeError",
        message:
          `Cannot write metric as 'name' must match /^[a-zA-Z_:][a-zA-Z0-9_:]*$/: current value is ${
            JSON.stringify(name)
          }`,
      });
    }
    assert.doesNotThrow(() => new MetricsWriter().gauge("ns:sub_metric", "h", 1));
  });

  it("refuses invalid and reserved label names", () => {
    for (const label of ["1x", "a-b", "__reserved"]) {
      assert.throws(() => new MetricsWriter().gauge("g", "h", 1, { [label]: "v" }), TypeError);
    }
  });

  it("refuses a negative counter with a RangeError", () => {
    assert.throws(() => new MetricsWriter().counter("c_total", "h", -1), {
      name: "RangeError",
      message:
        "Cannot write metric 'c_total' as 'value' must be a non-negative number for a counter: current value is -1",
    });
  });

  it("refuses a type change and a duplicate series, leaving the writer unchanged", () => {
    const writer = new MetricsWriter().gauge("g", "h", 1, { a: "1" });
    const before = writer.toString();
    assert.throws(() => writer.counter("g", "h", 1), {
      message:
        "Cannot write metric 'g' as 'type' must match its earlier samples (gauge): current value is counter",
    });
    assert.throws(() => writer.gauge("g", "h", 2, { a: "1" }), {
      message:
        `Cannot write metric 'g' as 'labels' must differ from its earlier samples: current value is {a="1"}`,
    });
    assert.equal(writer.toString(), before);
  });

  it("refuses a non-number value", () => {
    assert.throws(() => new MetricsWriter().gauge("g", "h", "1" as unknown as number), TypeError);
  });

  it("writes an empty exposition when nothing was added", () => {
    assert.equal(new MetricsWriter().toString(), "");
  });
});
