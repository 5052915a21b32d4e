export { leafPaths } from "./paths.js";
export {
  broadcastPrefix,
  flatten,
  type IsLeaf,
  leaves,
  map,
  type NodeType,
  registerPytreeNode,
  structure,
  TreeDef,
  unflatten,
} from "./pytree.js";
export type { AnyFunction, AsArrays, LeafOf, LeafValue, MapLeaves } from "./types.js";
