/** Human-readable paths of a pytree's leaves (`[0]['w']`), for error messages. */
import { flatten } from "./pytree.js";

export function leafPaths(tree: unknown, prefix = ""): string[] {
  const paths: string[] = [];
  const walk = (x: unknown, path: string): void => {
    const [, def] = flatten(x);
    if (def.kind === "leaf") paths.push(path);
    else if (globalThis.Array.isArray(x)) x.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (def.kind === "dict") {
      const obj = x as Record<string, unknown>;
      for (const k of Object.keys(obj).sort()) walk(obj[k], `${path}['${k}']`);
    } else {
      for (let i = 0; i < def.numLeaves; i++) paths.push(`${path}<${i}>`);
    }
  };
  walk(tree, prefix);
  return paths;
}
