/**
 * Guards the edge-neutral core: everything in `mod.ts` and `src/` except the runtime files below
 * must run on any runtime with web APIs only (docs/architecture.md, "Conventions").
 *
 * Usage (Deno): `deno run -A scripts/check_runtime_neutral.ts [grep|lint|bundle]...`
 * (no argument runs all three, in that order).
 *
 * - `grep`: fails when `Deno.`, `Bun.`, `process.`, `Buffer`, `require(` or a `"node:..."`
 *   specifier appears in a core file (comments are ignored). Reading a global by name for feature
 *   detection (`globalThis["Deno"]`, as src/user_agent.ts does) is allowed. Escape hatch for a true false positive (say a string that
 *   names a runtime): end the line with `// runtime-neutral: allow <reason>`.
 * - `lint`: `deno lint` with only the `no-node-globals` and `no-process-global` rules over the
 *   core files (those rules are off in the default `deno lint` pass; they flag `process`, `Buffer`,
 *   `setImmediate`, `global`, `__dirname`, `require` ...).
 * - `bundle`: esbuild `--bundle --platform=neutral` of every edge-neutral package entry point (the
 *   deno.json "exports", minus {@link NON_NEUTRAL_EXPORTS} and entries that are runtime files),
 *   with npm dependencies bundled too, so hono/valibot are proven neutral as well. Fails on any
 *   esbuild error (`import "node:fs"` cannot resolve on the neutral platform), on a `node:`
 *   specifier or a `require` shim in the output, or when a runtime file ends up in the bundle.
 *
 * This file is the one place that lists the runtime files; scripts/build_npm.ts imports from it.
 *
 * @module
 */

/** Files allowed to use runtime APIs (docs/architecture.md). Globs: `*` within a name, `**` any depth. */
export const RUNTIME_FILE_PATTERNS: readonly string[] = [
  "src/cli.ts",
  "src/cli/**",
  "src/server/listen.ts",
  "src/sinks/file_sink.ts",
  "src/sinks/file_sink_disk.ts",
  "src/sinks/redis_sink.ts",
  "src/storage/file_*.ts",
];

/**
 * Package entry points that may not be bundled for the neutral platform although their own file is
 * not a runtime file, with the reason. Every other entry is checked, so a new export is neutral
 * unless someone says otherwise here.
 */
export const NON_NEUTRAL_EXPORTS: Readonly<Record<string, string>> = {
  "./server": "re-exports src/server/listen.ts (Deno.serve / Bun.serve / @hono/node-server)",
};

/** Absolute path of the repository root, with a trailing slash. */
export const ROOT: string = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** The deno.json "exports" map, normalised to `{ "./sub": "path/from/root.ts" }`. */
export function readExports(): Record<string, string> {
  const denoJson = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
  const raw: string | Record<string, string> = denoJson.exports ?? {};
  const map = typeof raw === "string" ? { ".": raw } : raw;
  const out: Record<string, string> = {};
  for (const [key, target] of Object.entries(map)) out[key] = target.replace(/^\.\//, "");
  return out;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else re += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

const RUNTIME_FILE_RES = RUNTIME_FILE_PATTERNS.map(globToRegExp);

/** Whether a root-relative path (`src/cli.ts`) is a runtime file. */
export function isRuntimeFile(path: string): boolean {
  return RUNTIME_FILE_RES.some((re) => re.test(path));
}

/** Root-relative paths of all `.ts` files under a root-relative directory, sorted. */
export function listTsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`${ROOT}${rel}`)];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
    }
  };
  walk(dir.replace(/\/$/, ""));
  return out.sort();
}

/** The edge-neutral files: export targets outside src/ (mod.ts) plus src/ minus runtime files. */
export function coreFiles(): string[] {
  const roots = Object.values(readExports()).filter((p) => !p.startsWith("src/"));
  const files = [...new Set([...roots, ...listTsFiles("src")])];
  return files.filter((p) => !isRuntimeFile(p)).sort();
}

/** Runs a command from the repository root, inheriting stdio; returns its exit code. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): number {
  const { code } = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd ?? ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
    env: { PATH: `${ROOT}node_modules/.bin:${Deno.env.get("PATH") ?? ""}` },
  }).outputSync();
  return code;
}

// Patterns for code (comments are blanked out first). The look-behinds skip longer identifiers
// (ArrayBuffer, #process) and method calls like `this.process(`.
const FORBIDDEN: { name: string; re: RegExp }[] = [
  { name: "Deno API", re: /(?<![\w$#])Deno\s*\??\./ },
  { name: "Bun API", re: /(?<![\w$#])Bun\s*\??\./ },
  {
    name: "process global",
    re: /(?<![\w$#.])process\s*(?:\?\.|\.|\[)|globalThis\s*\.\s*process\b/,
  },
  { name: "Buffer global", re: /(?<![\w$#])Buffer\b/ },
  { name: "node: specifier", re: /["'`]node:[\w/]*["'`]/ },
  { name: "require()", re: /(?<![\w$#.])require\s*\(/ },
];
const ALLOW_MARKER = /\/\/\s*runtime-neutral:\s*allow\s+\S/;

/** Blanks out comments, keeping line numbers (a `//` right after `:` is kept: URLs in strings). */
function stripComments(source: string): string {
  const blank = (m: string): string => m.replace(/[^\n]/g, " ");
  return source
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .replace(/(^|[^:\\])(\/\/.*)$/gm, (_m, pre: string, c: string) => pre + blank(c));
}

/** Returns the violations as `file:line: what: code` strings. */
export function grepCore(files: readonly string[] = coreFiles()): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const raw = Deno.readTextFileSync(`${ROOT}${file}`).split("\n");
    const code = stripComments(raw.join("\n")).split("\n");
    code.forEach((line, i) => {
      if (ALLOW_MARKER.test(raw[i])) return;
      for (const { name, re } of FORBIDDEN) {
        if (re.test(line)) problems.push(`${file}:${i + 1}: ${name}: ${raw[i].trim()}`);
      }
    });
  }
  return problems;
}

function checkGrep(): boolean {
  const files = coreFiles();
  const problems = grepCore(files);
  if (problems.length > 0) {
    console.error(`Runtime APIs in edge-neutral core files (move the code to a runtime file:`);
    console.error(`  ${RUNTIME_FILE_PATTERNS.join(", ")}):`);
    for (const p of problems) console.error(`  ${p}`);
    return false;
  }
  console.log(`grep: ${files.length} core files use no Deno/Bun/process/Buffer/node: APIs`);
  return true;
}

function checkLint(): boolean {
  const files = coreFiles();
  const args = ["lint", "--rules-tags=", "--rules-include=no-node-globals,no-process-global"];
  console.log(`lint: deno ${args.join(" ")} <${files.length} core files>`);
  return run(Deno.execPath(), [...args, ...files]) === 0;
}

function checkBundle(): boolean {
  const tmp = Deno.makeTempDirSync({ prefix: "holdfast-neutral-" });
  let ok = true;
  try {
    for (const [key, file] of Object.entries(readExports())) {
      if (isRuntimeFile(file)) {
        console.log(`bundle: skip ${key} (${file} is a runtime file)`);
        continue;
      }
      if (key in NON_NEUTRAL_EXPORTS) {
        console.log(`bundle: skip ${key} (${NON_NEUTRAL_EXPORTS[key]})`);
        continue;
      }
      const out = `${tmp}/${key === "." ? "mod" : key.replace(/\W+/g, "_")}.js`;
      const meta = `${out}.meta.json`;
      const code = run("esbuild", [
        file,
        "--bundle",
        "--platform=neutral",
        "--format=esm",
        // The neutral platform reads no package.json "main" by default; hono and valibot resolve
        // through "exports" ("import"/"default" conditions) and these fields cover the rest.
        "--main-fields=module,main",
        "--log-level=warning",
        `--metafile=${meta}`,
        `--outfile=${out}`,
      ]);
      if (code !== 0) {
        console.error(`bundle: ${key} (${file}) does not bundle for --platform=neutral`);
        ok = false;
        continue;
      }
      const text = Deno.readTextFileSync(out);
      const inputs = Object.keys(JSON.parse(Deno.readTextFileSync(meta)).inputs as object);
      const issues: string[] = [];
      const nodeRefs = [...new Set(text.match(/["'`]node:[\w/]*["'`]/g) ?? [])];
      if (nodeRefs.length) issues.push(`references ${nodeRefs.join(", ")}`);
      if (/\b__require\b/.test(text)) issues.push("contains esbuild's require() shim");
      const runtimeInputs = inputs.filter((p) => isRuntimeFile(p));
      if (runtimeInputs.length) issues.push(`pulls in runtime files ${runtimeInputs.join(", ")}`);
      if (issues.length) {
        console.error(`bundle: ${key} (${file}) is not edge-neutral: ${issues.join("; ")}`);
        ok = false;
      } else {
        const kb = (text.length / 1024).toFixed(1);
        console.log(`bundle: ${key} (${file}) ok: ${inputs.length} modules, ${kb} KiB, no node:`);
      }
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
  return ok;
}

if (import.meta.main) {
  const checks: Record<string, () => boolean> = {
    grep: checkGrep,
    lint: checkLint,
    bundle: checkBundle,
  };
  const wanted = Deno.args.length ? Deno.args : Object.keys(checks);
  for (const name of wanted) {
    const check = checks[name];
    if (!check) {
      console.error(`Unknown check ${JSON.stringify(name)}; use one of ${Object.keys(checks)}`);
      Deno.exit(2);
    }
    if (!check()) Deno.exit(1);
  }
}
