// The browser-safe data pipeline. Node-only file loading is in ./load-node.js.
export { DataError } from "./errors.js";
export { PythonRandom, torchRandperm } from "./python-random.js";
export { BOUNDARY, Vocab, type VocabJSON } from "./vocab.js";
export {
  buildContexts,
  buildSequences,
  maxWordLength,
  splitWords,
  makemoreSplit,
  splitsOf,
  SPLIT_NAMES,
  TextDataset,
  type SplitName,
  type Contexts,
  type Sequences,
  type TextBatch,
  type WordSplits,
} from "./dataset.js";
export {
  decodeText,
  fetchBytes,
  fetchText,
  isHttpUrl,
  parseNames,
  DEFAULT_TIMEOUT_MS,
  MAX_BYTES,
  MAX_NAME_LENGTH,
  type FetchOptions,
  type ParseNamesOptions,
} from "./load.js";
export { defaultNames, DEFAULT_NAMES_SOURCE } from "./default-names.js";
