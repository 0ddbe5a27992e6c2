// Character vocabularies. A character is one Unicode code point (never a UTF-16 unit), and ids are
// assigned in code-point order of the characters found in the data.
// - Names mode (Vocab.forWords): id 0 is '.', the start/end token of every word (makemore's
//   convention), then the data's characters. Data containing '.' is rejected rather than silently
//   confusing a real '.' with the word boundary.
// - Text mode (Vocab.forText): just the data's characters, no reserved token (nanoGPT's convention).
import { DataError, describeChar } from "./errors.js";

/** The start/end token of names mode, always id 0. */
export const BOUNDARY = ".";

/** A vocabulary as stored in a checkpoint. */
export interface VocabJSON {
  /** id → character (one code point each). */
  chars: string[];
  /** true when chars[0] is the '.' start/end token. */
  boundary: boolean;
}

export class Vocab {
  private readonly ids: Map<string, number>;

  private constructor(
    readonly chars: readonly string[],
    readonly boundary: boolean,
  ) {
    this.ids = new Map(chars.map((ch, i) => [ch, i]));
  }

  /** Names mode: '.' then the sorted unique characters of the words. Throws DataError if a word contains '.'. */
  static forWords(words: readonly string[], source = "the data"): Vocab {
    const seen = new Set<string>();
    for (const word of words) {
      if (word.includes(BOUNDARY))
        throw new DataError(`${source}: the word "${word}" contains '.', which wasmore reserves as the start/end token`);
      for (const ch of word) seen.add(ch);
    }
    return new Vocab([BOUNDARY, ...sortByCodePoint(seen)], true);
  }

  /** Text mode: the sorted unique characters of the text. */
  static forText(text: string): Vocab {
    return new Vocab(sortByCodePoint(new Set(text)), false);
  }

  static fromJSON(json: VocabJSON): Vocab {
    const { chars, boundary } = json;
    const bad = chars.find((ch) => typeof ch !== "string" || Array.from(ch).length !== 1);
    if (bad !== undefined) throw new DataError(`vocabulary entry ${JSON.stringify(bad)} is not a single character`);
    if (new Set(chars).size !== chars.length) throw new DataError("vocabulary has duplicate characters");
    if (boundary && chars[0] !== BOUNDARY) throw new DataError("vocabulary with a start/end token must have '.' at id 0");
    return new Vocab([...chars], boundary);
  }

  toJSON(): VocabJSON {
    return { chars: [...this.chars], boundary: this.boundary };
  }

  get size(): number {
    return this.chars.length;
  }

  /** The id of one character, or -1 if it is not in the vocabulary. */
  idOf(ch: string): number {
    return this.ids.get(ch) ?? -1;
  }

  /** Characters → ids. Throws DataError naming the first character that is not in the vocabulary. */
  encode(text: string): Int32Array {
    const out = new Int32Array(text.length); // ≥ the number of code points
    let n = 0;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) throw new DataError(`character ${describeChar(ch)} is not in the vocabulary`);
      out[n++] = id;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** Ids → characters (the '.' token included as '.'). */
  decode(ids: ArrayLike<number>): string {
    let s = "";
    for (let i = 0; i < ids.length; i++) {
      const ch = this.chars[ids[i]];
      if (ch === undefined) throw new RangeError(`id ${ids[i]} is outside the vocabulary of ${this.size}`);
      s += ch;
    }
    return s;
  }
}

function sortByCodePoint(chars: Iterable<string>): string[] {
  return [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}
