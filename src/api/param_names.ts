/**
 * The declared parameter names of a JS function, read from its source text:
 * JS calls carry no keyword arguments and functions no signature object, so
 * `jit(f, { staticArgnames })` maps names to the positions `f` declares
 * them at. Destructured parameters have no name (null); a rest parameter
 * ends the list. Null when the source is not readable (native or bound
 * functions, classes).
 */
export interface ParamNames {
  readonly names: readonly (string | null)[];
  /** Whether the last parameter is a rest parameter (`...xs`). */
  readonly rest: boolean;
}

/** `src` without comments (string and template contents are kept as they are). */
function stripComments(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === "`") {
      const end = closeQuote(src, i);
      out += src.slice(i, end);
      i = end;
    } else if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 2;
      out += " ";
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index just past the string literal starting at `i`. */
function closeQuote(src: string, i: number): number {
  const q = src[i]!;
  let j = i + 1;
  while (j < src.length && src[j] !== q) j += src[j] === "\\" ? 2 : 1;
  return j + 1;
}

/** The index of the bracket closing the one at `open`, skipping strings. */
function matching(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = closeQuote(src, i) - 1;
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
    } else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Splits a parameter list at its top-level commas. */
function splitParams(list: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (c === "(" || c === "[" || c === "{") i = matching(list, i);
    else if (c === '"' || c === "'" || c === "`") i = closeQuote(list, i) - 1;
    else if (c === ",") {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
    if (i < 0) break;
  }
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

const IDENT = /^[A-Za-z_$][\w$]*/;

export function paramNames(fn: (...args: never[]) => unknown): ParamNames | null {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return null; // a proxy or host object with no source: no names
  }
  src = stripComments(src).trim();
  if (/\[native code\]\s*\}$/.test(src) || src.startsWith("class")) return null;
  src = src.replace(/^async\s+/, "");
  let list: string;
  const arrow = IDENT.exec(src);
  if (arrow !== null && /^\s*=>/.test(src.slice(arrow[0].length)) && arrow[0] !== "function") {
    list = arrow[0]; // x => ...
  } else {
    const open = src.indexOf("(");
    const close = open < 0 ? -1 : matching(src, open);
    if (close < 0) return null;
    list = src.slice(open + 1, close);
  }
  const names: (string | null)[] = [];
  let rest = false;
  for (const p of splitParams(list)) {
    const spread = p.startsWith("...");
    const body = spread ? p.slice(3).trim() : p;
    const id = IDENT.exec(body);
    names.push(id === null ? null : id[0]);
    if (spread) rest = true;
  }
  return { names, rest };
}
