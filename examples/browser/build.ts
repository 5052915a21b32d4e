/**
 * Bundles the browser demo to examples/browser/dist/main.js and, with
 * --serve, serves examples/browser/ on http://localhost:8080/.
 *
 *   npx tsx examples/browser/build.ts                  # bundle only
 *   npx tsx examples/browser/build.ts --serve [port]   # bundle and serve (npm run example:browser)
 *   npx tsx examples/browser/build.ts --serve --isolate
 *
 * Served plainly, the page is not cross-origin isolated: browsers give it no
 * SharedArrayBuffer, and the library runs every kernel on the page's thread.
 * --isolate sends Cross-Origin-Opener-Policy: same-origin and
 * Cross-Origin-Embedder-Policy: require-corp, which make the page
 * cross-origin isolated: SharedArrayBuffer exists, the WebAssembly memory is
 * shared and kernels split over Web Workers. (Not the default yet: bundled,
 * the parallel matmul's worker kernel cannot be loaded; see README.md.)
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));

async function bundleDemo(): Promise<string> {
  const outfile = join(here, "dist", "main.js");
  await build({
    entryPoints: [join(here, "main.ts")],
    outfile,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    sourcemap: true,
    logLevel: "warning",
  });
  return outfile;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".ts": "text/plain; charset=utf-8",
};

function serve(port: number, isolate: boolean): void {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const file = normalize(join(here, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(here.endsWith(sep) ? here : here + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      const headers: Record<string, string> = {
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Cache-Control": "no-store",
      };
      if (isolate) {
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  server.listen(port, () => {
    const mode = isolate ? "cross-origin isolated (COOP/COEP sent)" : "not isolated";
    console.log(`serving ${here} at http://localhost:${port}/ (${mode}); Ctrl-C stops`);
  });
}

const args = process.argv.slice(2);
const outfile = await bundleDemo();
console.log(`bundled ${outfile}`);
if (args.includes("--serve")) {
  const port = Number(args.find((a) => /^\d+$/.test(a)) ?? 8080);
  serve(port, args.includes("--isolate"));
}
