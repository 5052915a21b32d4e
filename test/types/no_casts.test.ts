/**
 * The user-facing programs need no casts: examples/ and the type tests hold
 * no `as` (other than `as const`), no `<T>x`, no non-null `!` and no `any`;
 * the README's examples are the files test/types/readme_*.test-d.ts (which
 * `tsc` checks in `npm test`), verbatim but for the import paths.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "dist" || e.name === "node_modules" ? [] : tsFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** Each cast, non-null assertion and `any` in a file, as "file:line: text". */
function escapes(path: string): string[] {
  const text = readFileSync(join(root, path), "utf8");
  const src = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (n: ts.Node, what: string) =>
    found.push(`${path}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${what}`);
  const walk = (n: ts.Node): void => {
    if (ts.isAsExpression(n) && n.type.getText() !== "const") at(n, n.getText());
    if (ts.isTypeAssertionExpression(n)) at(n, n.getText());
    if (ts.isNonNullExpression(n)) at(n, n.getText());
    if (n.kind === ts.SyntaxKind.AnyKeyword) at(n, "any");
    ts.forEachChild(n, walk);
  };
  walk(src);
  return found;
}

describe("programs need no casts", () => {
  it("examples/ and test/types/ hold no cast, no ! and no any", () => {
    const files = [...tsFiles("examples"), ...tsFiles("test/types")];
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap(escapes)).toEqual([]);
  });

  it("the README's TypeScript examples are the type-checked files test/types/readme_*.test-d.ts", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
    expect(blocks.length).toBeGreaterThan(0);
    blocks.forEach((block, i) => {
      const file = readFileSync(join(root, `test/types/readme_${i + 1}.test-d.ts`), "utf8");
      const body = file
        .slice(file.indexOf("\n") + 1)
        .replaceAll('from "../../src/optax/index.js"', 'from "jaxts/optax"')
        .replaceAll('from "../../src/index.js"', 'from "jaxts"');
      expect(block).toBe(body);
    });
  });
});
