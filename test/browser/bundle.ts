/**
 * Browser bundles of the library for browser.test.ts, and the checks on
 * them: which Node built-in modules the bundle imports, and which Node
 * globals its code names without a typeof guard.
 */
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import ts from "typescript";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** An import of a Node built-in module found while bundling. */
export interface NodeImport {
  /** The module, e.g. "node:fs". */
  path: string;
  /** The importing file, relative to the repository root. */
  importer: string;
  /** esbuild's import kind: import-statement, dynamic-import, require-call... */
  kind: string;
}

export interface BrowserBundle {
  code: string;
  nodeImports: NodeImport[];
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Records (and leaves out) every import of a Node built-in, as a browser could not load it. */
function nodeBuiltinProbe(found: NodeImport[]): Plugin {
  return {
    name: "node-builtin-probe",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.split("/")[0]!;
        if (!builtins.has(args.path) && !builtins.has(bare)) return null;
        const importer = args.importer.startsWith(root)
          ? args.importer.slice(root.length)
          : args.importer;
        found.push({ path: args.path, importer, kind: args.kind });
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Bundles `entry` (a path relative to the repository root, or the source
 * text of a module there) as a browser would load it: platform browser, ES
 * module, everything inlined. With `moduleUrl`, `import.meta.url` reads as
 * that URL (the URL the page would load the module from), so that an entry
 * without exports runs as a classic script.
 */
export async function bundleForBrowser(
  entry: string | { contents: string },
  moduleUrl?: string,
): Promise<BrowserBundle> {
  const nodeImports: NodeImport[] = [];
  const result = await build({
    absWorkingDir: root,
    ...(typeof entry === "string"
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, loader: "ts", resolveDir: root } }),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
    plugins: [nodeBuiltinProbe(nodeImports)],
    define: moduleUrl === undefined ? {} : { "import.meta.url": JSON.stringify(moduleUrl) },
  });
  const code = result.outputFiles![0]!.text;
  return { code, nodeImports };
}

/** Globals Node has and browsers do not. */
export const NODE_GLOBALS = [
  "process",
  "Buffer",
  "require",
  "module",
  "exports",
  "global",
  "__dirname",
  "__filename",
  "setImmediate",
  "clearImmediate",
] as const;

/** A Node global named in code (not in a string or comment) with nothing declaring it. */
export interface GlobalUse {
  name: string;
  /** The source file esbuild's module comment names for that part of the bundle. */
  source: string;
  /** The statement around it, for the report. */
  text: string;
}

/**
 * Free references to Node globals in `code` that are not the operand of
 * `typeof`. (globalThis.process?.x is a property access, not a reference:
 * the guarded form the library uses.) Identifiers declared anywhere in
 * scope resolve to their declaration and are not counted.
 */
export function unguardedNodeGlobals(code: string): GlobalUse[] {
  const fileName = "/bundle.js";
  const host = ts.createCompilerHost({ allowJs: true, noLib: true, types: [] });
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.ES2022, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang) => (name === fileName ? source : getSourceFile(name, lang));
  const program = ts.createProgram({
    rootNames: [fileName],
    options: { allowJs: true, noLib: true, types: [], noResolve: true },
    host,
  });
  const checker = program.getTypeChecker();
  const names = new Set<string>(NODE_GLOBALS);
  // esbuild marks where each module starts with a `// path` comment.
  const markers = [...code.matchAll(/^[ \t]*\/\/ (\S+\.[cm]?[jt]s)$/gm)].map((m) => ({
    at: m.index,
    path: m[1]!,
  }));
  const sourceAt = (pos: number): string => {
    let path = "(bundle)";
    for (const m of markers) if (m.at <= pos) path = m.path;
    return path;
  };
  const uses: GlobalUse[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && names.has(node.text) && isReference(node)) {
      const guarded = ts.isTypeOfExpression(node.parent);
      const symbol = ts.isShorthandPropertyAssignment(node.parent)
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node);
      if (!guarded && symbol === undefined) {
        let stmt: ts.Node = node;
        while (!ts.isSourceFile(stmt.parent) && !ts.isBlock(stmt.parent)) stmt = stmt.parent;
        uses.push({
          name: node.text,
          source: sourceAt(node.getStart()),
          text: stmt.getText().slice(0, 160),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/** Whether an identifier is a value reference (not a property name, key or label). */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p)) && p.name === id) return false;
  if ((ts.isPropertyDeclaration(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p)) && p.name === id)
    return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  return true;
}
