/**
 * Identity numbers for objects: `objectId(o)` returns the same number for the
 * same object for as long as it lives, and different objects get different
 * numbers (a counter; numbers are never reused). The map is weak, so an id
 * keeps nothing alive.
 *
 * For keys that must tell objects apart by identity where a string or a
 * number is needed: the compiler's CSE keys of params (jaxprs, functions),
 * jit's cache keys of static arguments, the device workers' program ids.
 */

const ids = new WeakMap<object, number>();
let nextId = 0;

/** The identity number of `o` (see the module comment). */
export function objectId(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}
