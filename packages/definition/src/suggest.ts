import { distance } from 'fastest-levenshtein';

/** The candidate closest to `word`, when it is close enough to be what the author meant. */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const d = candidate.toLowerCase() === lower ? 0 : distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const threshold = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= threshold ? best : undefined;
}

/** ` — did you mean 'x'?`, or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closestMatch(word, candidates);
  return match === undefined ? undefined : ` — did you mean '${match}'?`;
}
