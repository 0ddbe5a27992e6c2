// Node-only additions to the library API: reading names or text from a path or URL.
export { loadNames, loadText } from "./data/load-node.js";
