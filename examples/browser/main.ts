/** The page's script: runs the demo, printing into <pre id="out">. */
import { runDemo } from "./demo.js";

/** The page's element with this id (index.html has them). */
const element = (id: string): HTMLElement => {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no element #${id}`);
  return e;
};
const out = element("out");
const status = element("status");
const print = (line: string) => {
  out.textContent += `${line}\n`;
};
// Lets the browser paint what was printed before the next section computes.
const repaint = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const t0 = performance.now();
runDemo(print, repaint).then(
  () => {
    status.textContent = `done in ${((performance.now() - t0) / 1000).toFixed(2)} s`;
  },
  (e: unknown) => {
    status.textContent = "failed";
    print(`\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  },
);
