/**
 * Did-you-mean suggestions by edit distance, for step names, option names and flags.
 *
 * @module
 */

/**
 * The Levenshtein edit distance between two strings.
 *
 * @param a One string.
 * @param b The other string.
 * @returns The number of single-character edits that turn `a` into `b`.
 */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate nearest to `word`, when it is near enough to be a typo.
 *
 * @param word What the user wrote.
 * @param candidates The valid names.
 * @returns The nearest valid name, or undefined when none is close.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = candidate.toLowerCase() === lower
      ? 0
      : levenshtein(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/**
 * A ` Did you mean "x"?` sentence for a typo, or an empty string.
 *
 * @param word What the user wrote.
 * @param candidates The valid names.
 * @returns The suggestion sentence with a leading space and period before it, or "".
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = nearest(word, candidates);
  return match === undefined ? "" : `. Did you mean "${match}"?`;
}
