import { normalizeWords } from '@whisperstream/fake-openai';

/** The word-level edits that turn a reference into a hypothesis (a minimal Levenshtein path). */
export interface WordEdits {
  referenceWords: number;
  substitutions: number;
  deletions: number;
  insertions: number;
}

/**
 * Counts substitutions, deletions and insertions between the reference and the hypothesis
 * (normalised as `wordErrorRate` does). Among the minimal paths it prefers substitutions, then
 * deletions, so the total always equals the Levenshtein distance.
 */
export function wordEdits(reference: string, hypothesis: string): WordEdits {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  type Cell = { cost: number; sub: number; del: number; ins: number };
  let previous: Cell[] = Array.from({ length: hyp.length + 1 }, (_, j) => ({
    cost: j,
    sub: 0,
    del: 0,
    ins: j,
  }));
  for (let i = 1; i <= ref.length; i++) {
    const current: Cell[] = [{ cost: i, sub: 0, del: i, ins: 0 }];
    for (let j = 1; j <= hyp.length; j++) {
      const same = ref[i - 1] === hyp[j - 1];
      const diagonal = previous[j - 1];
      const up = previous[j];
      const left = current[j - 1];
      const viaSub = diagonal.cost + (same ? 0 : 1);
      const viaDel = up.cost + 1;
      const viaIns = left.cost + 1;
      const best = Math.min(viaSub, viaDel, viaIns);
      if (viaSub === best) {
        current[j] = { ...diagonal, cost: best, sub: diagonal.sub + (same ? 0 : 1) };
      } else if (viaDel === best) {
        current[j] = { ...up, cost: best, del: up.del + 1 };
      } else {
        current[j] = { ...left, cost: best, ins: left.ins + 1 };
      }
    }
    previous = current;
  }
  const last = previous[hyp.length];
  return {
    referenceWords: ref.length,
    substitutions: last.sub,
    deletions: last.del,
    insertions: last.ins,
  };
}

export function totalEdits(edits: WordEdits): number {
  return edits.substitutions + edits.deletions + edits.insertions;
}

/** Edits over reference words; an empty reference counts as one word (as `wordErrorRate`). */
export function errorRate(edits: WordEdits): number {
  return totalEdits(edits) / Math.max(edits.referenceWords, 1);
}

/** Sums the edits of several texts: the pooled (corpus) word error rate's parts. */
export function addEdits(all: readonly WordEdits[]): WordEdits {
  return all.reduce(
    (sum, e) => ({
      referenceWords: sum.referenceWords + e.referenceWords,
      substitutions: sum.substitutions + e.substitutions,
      deletions: sum.deletions + e.deletions,
      insertions: sum.insertions + e.insertions,
    }),
    { referenceWords: 0, substitutions: 0, deletions: 0, insertions: 0 },
  );
}

/** Number of words in a text, normalised as for the word error rate. */
export function countWords(text: string): number {
  return normalizeWords(text).length;
}
