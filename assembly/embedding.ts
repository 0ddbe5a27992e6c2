// Embedding lookups and their scatter-add gradient: n lookups summed per output row (the single
// lookup is n = 1). Rows are C contiguous floats; idx is int32. An index outside [0, V) never
// touches memory outside the table: it adds nothing (a forward row of only such indices is zero),
// and both directions return how many such indices they met (0 for valid data), so the caller can
// raise an error without a separate validation pass.

/** out[n,C] = table[idx[n], :]; returns the number of idx outside [0, V) (their rows are zeroed) */
export function embeddingForward(out: usize, table: usize, idx: usize, n: i32, C: i32, V: i32): i32 {
  return embeddingSumForward(out, table, idx, n, 1, C, V);
}

/** dtable[idx[n], :] += dout[n, :]; returns the number of idx outside [0, V) (their rows are skipped) */
export function embeddingBackward(dtable: usize, dout: usize, idx: usize, n: i32, C: i32, V: i32): i32 {
  return embeddingSumBackward(dtable, dout, idx, n, 1, C, V);
}

/**
 * out[r,:] = Σ_{j<n} table[j·V + idx[r·n + j], :]: n lookups summed, slot j in its own block of V
 * rows of table[n·V, C] (the Embedding → FlattenConsecutive(n) → Linear product, src/nn/fusion.ts).
 * Returns the number of idx outside [0, V); they add nothing.
 */
export function embeddingSumForward(out: usize, table: usize, idx: usize, R: i32, n: i32, C: i32, V: i32): i32 {
  const rowBytes = <usize>C << 2;
  const slotBytes = <usize>V * rowBytes;
  let bad = 0;
  for (let r = 0; r < R; r++) {
    const dst = out + <usize>r * rowBytes;
    const ids = idx + (<usize>(r * n) << 2);
    let written = false;
    for (let j = 0; j < n; j++) {
      const ix = load<i32>(ids + (<usize>j << 2));
      if (<u32>ix >= <u32>V) {
        bad++;
        continue;
      }
      const src = table + <usize>j * slotBytes + <usize>ix * rowBytes;
      if (written) addRow(dst, src, C);
      else copyRow(dst, src, C);
      written = true;
    }
    if (!written) memory.fill(dst, 0, rowBytes);
  }
  return bad;
}

/** dtable[j·V + idx[r·n + j], :] += dout[r, :] for every r, j < n; returns the number of idx outside [0, V) (skipped) */
export function embeddingSumBackward(dtable: usize, dout: usize, idx: usize, R: i32, n: i32, C: i32, V: i32): i32 {
  const rowBytes = <usize>C << 2;
  const slotBytes = <usize>V * rowBytes;
  let bad = 0;
  for (let r = 0; r < R; r++) {
    const src = dout + <usize>r * rowBytes;
    const ids = idx + (<usize>(r * n) << 2);
    for (let j = 0; j < n; j++) {
      const ix = load<i32>(ids + (<usize>j << 2));
      if (<u32>ix < <u32>V) addRow(dtable + <usize>j * slotBytes + <usize>ix * rowBytes, src, C);
      else bad++;
    }
  }
  return bad;
}

// @ts-ignore: decorator
@inline function copyRow(dst: usize, src: usize, C: i32): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + 4 <= C; c += 4) v128.store(dst + (<usize>c << 2), v128.load(src + (<usize>c << 2)));
  }
  for (; c < C; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
}

// @ts-ignore: decorator
@inline function addRow(dst: usize, src: usize, C: i32): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + 4 <= C; c += 4) {
      const o = <usize>c << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; c < C; c++) {
    const o = <usize>c << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
