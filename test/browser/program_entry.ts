/**
 * Entry of the sandbox bundle: runs the program in the page and leaves its
 * result as JSON on the page's global (JSON, so nothing from the page's realm
 * crosses over).
 */
import { runProgram } from "./program.js";

(globalThis as { jaxtsProgramResult?: string }).jaxtsProgramResult = JSON.stringify(runProgram());
