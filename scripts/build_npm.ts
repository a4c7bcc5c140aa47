/**
 * Builds and validates the npm package in `npm/` (what dnt would do; dnt itself is on JSR, which
 * is out of reach here). Run with Deno from anywhere: `deno run -A scripts/build_npm.ts`
 * (`npm run build:npm`). Needs only the local node_modules and the npm cache: no network.
 *
 * 1. Stage `mod.ts` + `src/` into `.tmp/npm_src/`, replacing the `deno.json` JSON import of
 *    `src/version.ts` with a literal (a JSON import would ship deno.json to npm and needs import
 *    attributes support in every consumer's toolchain).
 * 2. `tsc` (tsconfig.build.json + the entry files from deno.json "exports"): ESM + `.d.ts` in
 *    `npm/esm/`, with `./x.ts` imports rewritten to `./x.js`.
 * 3. esbuild bundles `src/cli.ts` (if it exists yet) into `npm/bin/holdfast.js` (platform node,
 *    ESM, npm packages external, `#!/usr/bin/env node`).
 * 4. Writes `npm/package.json` (exports with `types` first, bin, engines, dependencies copied from
 *    the root package.json), copies README.md and LICENSE, and checks that every bare import in the
 *    output is a declared dependency or a `node:` builtin.
 * 5. Validates: `publint --strict`, `npm pack`, `attw --profile esm-only` on the tarball.
 * 6. Smoke test: installs the tarball into a scratch project with `npm ci --offline` (a lockfile
 *    generated from the root package-lock.json, so only the npm cache that `npm ci` filled is
 *    needed), then imports every entry point and runs the `holdfast` bin on Node, Deno and Bun.
 *
 * Set KEEP_TMP=1 to keep the scratch directory for inspection.
 *
 * @module
 */
import { readExports, ROOT } from "./check_runtime_neutral.ts";

const NPM_DIR = `${ROOT}npm`;
const STAGE_DIR = `${ROOT}.tmp/npm_src`;
const BIN_NAME = "holdfast";
const CLI_SOURCE = "src/cli.ts";

const denoJson = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
const rootPkg = JSON.parse(Deno.readTextFileSync(`${ROOT}package.json`));
const rootLock = JSON.parse(Deno.readTextFileSync(`${ROOT}package-lock.json`));
const VERSION: string = denoJson.version;
const PATH = `${ROOT}node_modules/.bin:${Deno.env.get("PATH") ?? ""}`;
const started = performance.now();

class BuildError extends Error {}

function fail(message: string): never {
  throw new BuildError(message);
}

async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  console.log(`\n--- build_npm: ${name}`);
  const result = await fn();
  console.log(`--- build_npm: ${name}: ok (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return result;
}

interface RunOptions {
  cwd?: string;
  capture?: boolean;
  quiet?: boolean;
  env?: Record<string, string>;
}

/** Runs a command (stdin closed); throws on a non-zero exit. Returns stdout when captured. */
async function sh(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const shown = [cmd.replace(ROOT, ""), ...args].join(" ");
  console.log(`$ ${shown}${opts.cwd ? `   (in ${opts.cwd.replace(ROOT, "./")})` : ""}`);
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd ?? ROOT,
    stdin: "null",
    stdout: opts.capture ? "piped" : "inherit",
    stderr: "inherit",
    env: { PATH, npm_config_update_notifier: "false", ...opts.env },
  }).output();
  const stdout = opts.capture ? new TextDecoder().decode(out.stdout) : "";
  if (opts.capture && !opts.quiet && stdout.trim()) console.log(stdout.trimEnd());
  if (out.code !== 0) fail(`\`${shown}\` exited with ${out.code}`);
  return stdout;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function walk(dir: string, filter: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...walk(path, filter));
    else if (filter(path)) out.push(path);
  }
  return out.sort();
}

function copyTree(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true });
  for (const entry of Deno.readDirSync(from)) {
    if (entry.isDirectory) copyTree(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) Deno.copyFileSync(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

const JSON_IMPORT =
  /^import\s+(\w+)\s+from\s+["']((?:\.\.?\/)+)deno\.json["']\s+with\s*\{\s*type:\s*["']json["']\s*\};?[ \t]*$/gm;

/** Stage 1: a copy of the sources with the deno.json import replaced by a literal. */
function stageSources(entries: Record<string, string>): void {
  if (exists(STAGE_DIR)) Deno.removeSync(STAGE_DIR, { recursive: true });
  copyTree(`${ROOT}src`, `${STAGE_DIR}/src`);
  for (const file of Object.values(entries)) {
    if (!exists(`${ROOT}${file}`)) {
      fail(`deno.json exports lists ${file}, which does not exist`);
    }
    if (file.startsWith("src/")) continue;
    Deno.mkdirSync(`${STAGE_DIR}/${file}`.replace(/\/[^/]*$/, ""), { recursive: true });
    Deno.copyFileSync(`${ROOT}${file}`, `${STAGE_DIR}/${file}`);
  }
  const literal = JSON.stringify({ name: denoJson.name, version: VERSION });
  let replaced = 0;
  for (const file of walk(STAGE_DIR, (p) => p.endsWith(".ts"))) {
    const text = Deno.readTextFileSync(file);
    if (!text.includes("deno.json")) continue;
    const rel = file.slice(STAGE_DIR.length + 1);
    const next = text.replace(JSON_IMPORT, (_m, name: string, up: string) => {
      // The import must point at the root deno.json, whatever the file's depth.
      const depth = rel.split("/").length - 1;
      if (up !== (depth === 0 ? "./" : "../".repeat(depth))) {
        fail(`${rel} imports a deno.json that is not the root one`);
      }
      replaced++;
      return `const ${name} = ${literal}; // deno.json, inlined by scripts/build_npm.ts`;
    });
    if (/["']([./]+)deno\.json["']/.test(next)) {
      fail(
        `${rel} imports deno.json in a form build_npm.ts does not inline; use ` +
          `\`import denoJson from "../deno.json" with { type: "json" };\``,
      );
    }
    Deno.writeTextFileSync(file, next);
  }
  console.log(`staged ${STAGE_DIR.replace(ROOT, "")}: inlined ${replaced} deno.json import(s)`);
}

// A relative "./x.ts" specifier in an import/export/import() (not "./x.d.ts").
const RELATIVE_TS_SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)(["'])(\.{1,2}\/[^"']*?)(?<!\.d)\.ts\2/g;
// tsc keeps JSDoc, whose @example blocks import "./x.ts" on purpose: leave comment lines alone.
const COMMENT_LINE = /^\s*(\*|\/\*|\/\/)/;

/** Applies `fn` to the lines of emitted code that are not comment lines. */
function mapCodeLines(text: string, fn: (line: string) => string): string {
  return text.split("\n").map((line) => COMMENT_LINE.test(line) ? line : fn(line)).join("\n");
}

/** Stage 2: tsc over the staged entry files. */
async function compileLibrary(entries: Record<string, string>): Promise<void> {
  const tsconfig = {
    extends: "../../tsconfig.build.json",
    compilerOptions: { rootDir: ".", outDir: "../../npm/esm" },
    files: Object.values(entries),
  };
  Deno.writeTextFileSync(`${STAGE_DIR}/tsconfig.json`, JSON.stringify(tsconfig, null, 2));
  await sh("tsc", ["-p", `${STAGE_DIR}/tsconfig.json`]);
  const emitted = walk(`${NPM_DIR}/esm`, (p) => /\.(js|d\.ts)$/.test(p));
  let rewritten = 0;
  for (const file of emitted) {
    let text = Deno.readTextFileSync(file);
    if (file.endsWith(".d.ts")) {
      // tsc rewrites "./x.ts" to "./x.js" in JavaScript but keeps ".ts" in declarations (TS 5.7+
      // resolve that, older TypeScript and other tools do not): rewrite them the same way.
      const next = mapCodeLines(
        text,
        (line) =>
          line.replace(RELATIVE_TS_SPECIFIER, (_m, pre: string, q: string, path: string) => {
            rewritten++;
            return `${pre}${q}${path}.js${q}`;
          }),
      );
      if (next !== text) Deno.writeTextFileSync(file, text = next);
    }
    mapCodeLines(text, (line) => {
      if (line.match(RELATIVE_TS_SPECIFIER)) fail(`${file} still imports a .ts file: ${line}`);
      if (/["'][./]*deno\.json["']/.test(line)) fail(`${file} still imports deno.json: ${line}`);
      return line;
    });
  }
  for (const file of Object.values(entries)) {
    const base = `${NPM_DIR}/esm/${file.replace(/\.ts$/, "")}`;
    if (!exists(`${base}.js`) || !exists(`${base}.d.ts`)) {
      fail(`tsc did not emit ${base}.{js,d.ts}`);
    }
  }
  console.log(
    `emitted ${emitted.length} files into npm/esm/ (${rewritten} .ts specifiers in .d.ts)`,
  );
}

/** Stage 3: the CLI bundle. Returns false when src/cli.ts does not exist yet. */
async function bundleCli(): Promise<boolean> {
  if (!exists(`${ROOT}${CLI_SOURCE}`)) {
    console.log(
      `NOTICE: ${CLI_SOURCE} does not exist yet: no bin in the package, bin smoke skipped`,
    );
    return false;
  }
  const source = Deno.readTextFileSync(`${ROOT}${CLI_SOURCE}`);
  const out = `${NPM_DIR}/bin/${BIN_NAME}.js`;
  await sh("esbuild", [
    CLI_SOURCE,
    "--bundle",
    "--platform=node",
    "--target=node20",
    "--format=esm",
    "--packages=external",
    "--log-level=warning",
    // esbuild keeps a hashbang of the entry file; add one only if the source has none.
    ...(source.startsWith("#!") ? [] : ["--banner:js=#!/usr/bin/env node"]),
    `--outfile=${out}`,
  ], { cwd: STAGE_DIR });
  Deno.chmodSync(out, 0o755);
  return true;
}

function dependencyOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Stage 4: npm/package.json, README, LICENSE, and the bare-import check. */
function writeManifest(entries: Record<string, string>, hasBin: boolean): Record<string, unknown> {
  const exportsMap: Record<string, unknown> = {};
  for (const [key, file] of Object.entries(entries)) {
    const base = `./esm/${file.replace(/\.ts$/, "")}`;
    exportsMap[key] = { types: `${base}.d.ts`, default: `${base}.js` };
  }
  exportsMap["./package.json"] = "./package.json";
  const dependencies: Record<string, string> = { ...rootPkg.dependencies };
  const main = entries["."] ? `./esm/${entries["."].replace(/\.ts$/, "")}` : undefined;
  const pkg: Record<string, unknown> = {
    name: "holdfast",
    version: VERSION,
    description: rootPkg.description,
    license: rootPkg.license ?? denoJson.license ?? "MIT",
    keywords: [
      "x",
      "twitter",
      "streaming",
      "stream",
      "reconnect",
      "backoff",
      "deno",
      "bun",
      "node",
    ],
    ...(rootPkg.repository ? { repository: rootPkg.repository } : {}),
    ...(rootPkg.homepage ? { homepage: rootPkg.homepage } : {}),
    ...(rootPkg.bugs ? { bugs: rootPkg.bugs } : {}),
    type: "module",
    sideEffects: false,
    ...(main ? { main: `${main}.js`, types: `${main}.d.ts` } : {}),
    exports: exportsMap,
    ...(hasBin ? { bin: { [BIN_NAME]: `bin/${BIN_NAME}.js` } } : {}),
    files: ["esm/", ...(hasBin ? ["bin/"] : [])],
    engines: { node: ">=20" },
    dependencies,
  };
  if (!rootPkg.repository) {
    console.log(`NOTICE: no "repository" in the root package.json: npm/package.json has none`);
  }
  Deno.writeTextFileSync(`${NPM_DIR}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
  for (const doc of ["README.md", "LICENSE"]) {
    if (exists(`${ROOT}${doc}`)) Deno.copyFileSync(`${ROOT}${doc}`, `${NPM_DIR}/${doc}`);
    else console.log(`NOTICE: ${doc} does not exist yet: the package ships without it`);
  }

  // Every bare specifier the package imports must be a dependency (or a node: builtin; a bare
  // builtin like "fs" fails on Deno, so it is rejected too).
  const importRe =
    /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*|\brequire\s*\(\s*)["']([^"'./][^"']*)["']/gm;
  const missing = new Set<string>();
  const used = new Set<string>();
  for (const file of walk(NPM_DIR, (p) => /\.(js|d\.ts)$/.test(p))) {
    const code: string[] = [];
    mapCodeLines(Deno.readTextFileSync(file), (line) => (code.push(line), line));
    for (const [, spec] of code.join("\n").matchAll(importRe)) {
      if (spec.startsWith("node:")) continue;
      const dep = dependencyOf(spec);
      used.add(dep);
      if (!(dep in dependencies)) missing.add(`${dep} (in ${file.replace(`${NPM_DIR}/`, "")})`);
    }
  }
  if (missing.size) {
    fail(`imported but not in package.json "dependencies": ${[...missing].join(", ")}`);
  }
  const unused = Object.keys(dependencies).filter((d) => !used.has(d));
  console.log(`dependencies used by the output: ${[...used].sort().join(", ") || "(none)"}`);
  if (unused.length) console.log(`NOTICE: declared but not imported (yet): ${unused.join(", ")}`);
  return pkg;
}

/** The root lockfile's entries for the closure of `deps`, as production entries. */
function lockClosure(deps: Record<string, string>): Record<string, Record<string, unknown>> {
  const packages: Record<string, Record<string, unknown>> = rootLock.packages;
  const found: Record<string, Record<string, unknown>> = {};
  const resolve = (name: string, from: string): string | undefined => {
    for (let dir = from;; dir = dir.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, "")) {
      const key = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      if (packages[key]) return key;
      if (!dir) return undefined;
    }
  };
  const visit = (name: string, from: string, optional: boolean): void => {
    const key = resolve(name, from);
    if (!key) {
      if (optional) return;
      fail(`package-lock.json has no entry for ${name} (needed from ${from || "the root"})`);
    }
    if (found[key]) return;
    const { dev: _d, optional: _o, devOptional: _do, peer: _p, ...entry } = packages[key];
    if (!entry.resolved && typeof entry.version === "string") {
      // omit-lockfile-registry-resolved drops "resolved"; the cache is keyed by integrity anyway.
      const base = name.split("/").pop();
      entry.resolved = `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz`;
    }
    found[key] = entry;
    const e = packages[key] as Record<string, Record<string, string> | undefined>;
    for (const dep of Object.keys(e.dependencies ?? {})) visit(dep, key, false);
    for (const dep of Object.keys(e.optionalDependencies ?? {})) visit(dep, key, true);
    const peerMeta = (e.peerDependenciesMeta ?? {}) as unknown as Record<
      string,
      { optional?: boolean }
    >;
    for (const dep of Object.keys(e.peerDependencies ?? {})) {
      if (!peerMeta[dep]?.optional) visit(dep, key, false);
    }
  };
  for (const name of Object.keys(deps)) visit(name, "", false);
  return found;
}

async function sha512(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-512", Deno.readFileSync(path));
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return `sha512-${btoa(binary)}`;
}

const SMOKE = `// Written by scripts/build_npm.ts; run by Node, Deno and Bun in a scratch project.
const [expectedVersion, ...subpaths] = JSON.parse(process.argv.at(-1));
const report = {};
for (const sub of subpaths) {
  const specifier = sub === "." ? "holdfast" : "holdfast/" + sub.slice(2);
  const mod = await import(specifier);
  const keys = Object.keys(mod).sort();
  if (keys.length === 0) throw new Error(specifier + " exports nothing");
  report[specifier] = keys;
}
const core = await import("holdfast");
if (core.VERSION !== expectedVersion) {
  throw new Error("VERSION is " + core.VERSION + ", expected " + expectedVersion);
}
// Exercise the stream core when it is exported: bytes in, lines out, classified.
if (typeof core.LineSplitter === "function") {
  const post = JSON.stringify({ data: { id: "1", text: "héllo ✨" }, matching_rules: [] });
  const bytes = new TextEncoder().encode(post + "\\r\\n\\r\\n");
  const mid = bytes.length - 12;
  const lines = [];
  const source = new ReadableStream({
    start(c) { c.enqueue(bytes.slice(0, mid)); c.enqueue(bytes.slice(mid)); c.close(); },
  });
  for await (const line of source.pipeThrough(new core.LineSplitter())) lines.push(line);
  if (!lines.some((l) => l.trim() === post)) throw new Error("LineSplitter lost the post: " + JSON.stringify(lines));
  if (typeof core.classifyLine === "function" && core.classifyLine(post).type !== "post") {
    throw new Error("classifyLine did not see a post");
  }
  report.streamCore = "LineSplitter" + (typeof core.classifyLine === "function" ? " + classifyLine" : "");
}
console.log(JSON.stringify(report));
`;

/** Stage 6: install the tarball offline into a scratch project and run it on three runtimes. */
async function smoke(tarball: string, pkg: Record<string, unknown>, hasBin: boolean, tmp: string) {
  const project = `${tmp}/project`;
  Deno.mkdirSync(project);
  const spec = `file:../${tarball.split("/").pop()}`;
  const deps = pkg.dependencies as Record<string, string>;
  Deno.writeTextFileSync(
    `${project}/package.json`,
    JSON.stringify({
      name: "holdfast-smoke",
      private: true,
      type: "module",
      dependencies: { holdfast: spec },
    }),
  );
  const lock = {
    name: "holdfast-smoke",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "holdfast-smoke", dependencies: { holdfast: spec } },
      "node_modules/holdfast": {
        version: VERSION,
        resolved: spec,
        integrity: await sha512(tarball),
        license: pkg.license,
        dependencies: deps,
        ...(hasBin ? { bin: pkg.bin } : {}),
        engines: pkg.engines,
      },
      ...lockClosure(deps),
    },
  };
  Deno.writeTextFileSync(`${project}/package-lock.json`, JSON.stringify(lock, null, 2));
  await sh("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: project,
  });
  Deno.writeTextFileSync(`${project}/smoke.mjs`, SMOKE);

  const args = JSON.stringify([
    VERSION,
    ...Object.keys(pkg.exports as object).filter((k) => k !== "./package.json"),
  ]);
  const deno = Deno.execPath();
  const runners: [string, string, string[]][] = [
    ["Node", "node", ["smoke.mjs", args]],
    ["Deno", deno, ["run", "-A", "--no-lock", "--node-modules-dir=manual", "smoke.mjs", args]],
    ["Bun", "bun", ["smoke.mjs", args]],
  ];
  const reports: Record<string, string> = {};
  for (const [name, cmd, argv] of runners) {
    console.log(`smoke (${name}):`);
    reports[name] = (await sh(cmd, argv, { cwd: project, capture: true })).trim().split("\n")
      .pop()!;
  }
  if (new Set(Object.values(reports)).size !== 1) {
    fail(`the runtimes see different exports:\n${JSON.stringify(reports, null, 2)}`);
  }

  if (!hasBin) {
    console.log(`NOTICE: bin smoke skipped: ${CLI_SOURCE} does not exist yet`);
    return;
  }
  const binJs = `node_modules/${pkg.name}/bin/${BIN_NAME}.js`;
  const bins: [string, string, string[]][] = [
    ["Node (npm bin shim)", `${project}/node_modules/.bin/${BIN_NAME}`, ["--version"]],
    ["Deno", deno, ["run", "-A", "--no-lock", "--node-modules-dir=manual", binJs, "--version"]],
    ["Bun", "bun", [binJs, "--version"]],
  ];
  for (const [name, cmd, argv] of bins) {
    console.log(`bin (${name}):`);
    const out = await sh(cmd, argv, { cwd: project, capture: true });
    if (!out.includes(VERSION)) {
      fail(`\`${BIN_NAME} --version\` on ${name} did not print ${VERSION}`);
    }
  }
  // Beyond loading: the bundled bin runs a short demo (simulator + collector + health server over
  // real sockets) and must end cleanly, having written posts and lost none.
  console.log("bin (Node): demo");
  const demo = await sh(
    `${project}/node_modules/.bin/${BIN_NAME}`,
    ["demo", "--duration", "1500ms", "--out", `${tmp}/demo.ndjson`, "--rate", "20"],
    { cwd: project, capture: true },
  );
  if (!/lost: +0 /.test(demo) || !/posts written to .*: [1-9]/.test(demo)) {
    fail(`\`${BIN_NAME} demo\` did not write posts without loss:\n${demo}`);
  }
}

async function main(): Promise<void> {
  const entries = readExports();
  console.log(
    `holdfast ${VERSION}: entry points from deno.json exports: ${JSON.stringify(entries)}`,
  );
  if (!entries["."]) fail(`deno.json "exports" has no "." entry`);

  await step("clean + stage sources", () => {
    if (exists(NPM_DIR)) Deno.removeSync(NPM_DIR, { recursive: true });
    Deno.mkdirSync(NPM_DIR);
    stageSources(entries);
  });
  await step("tsc (ESM + declarations)", () => compileLibrary(entries));
  const hasBin = await step("esbuild CLI bundle", bundleCli);
  const pkg = await step(
    "package.json, README, LICENSE, dependency check",
    () => writeManifest(entries, hasBin),
  );
  await step(
    "publint --strict",
    () => sh("publint", ["run", NPM_DIR, "--strict", "--pack", "npm"]),
  );

  const tmp = Deno.makeTempDirSync({ prefix: "holdfast-npm-" });
  try {
    const tarball = await step("npm pack", async () => {
      const out = await sh("npm", ["pack", "--json", "--pack-destination", tmp], {
        cwd: NPM_DIR,
        capture: true,
        quiet: true,
      });
      const [{ filename, files }] = JSON.parse(out.slice(out.indexOf("[")));
      console.log(`${filename}: ${files.length} files`);
      return `${tmp}/${filename}`;
    });
    await step(
      "attw --profile esm-only",
      () =>
        sh("attw", [
          tarball,
          "--profile",
          "esm-only",
          "--no-definitely-typed",
          "--format",
          "ascii",
          "--no-emoji",
          "--no-color",
        ]),
    );
    await step(
      "smoke test: offline install, Node + Deno + Bun",
      () => smoke(tarball, pkg, hasBin, tmp),
    );
  } finally {
    if (Deno.env.get("KEEP_TMP")) console.log(`KEEP_TMP: scratch kept in ${tmp}`);
    else Deno.removeSync(tmp, { recursive: true });
  }
  console.log(
    `\nbuild_npm: npm/ is ready (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}

try {
  await main();
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  console.error(`\nbuild_npm FAILED: ${error.message}`);
  Deno.exit(1);
}
