// Answers kept for the schedules seen last: the rules of one admission read its schedule several
// times, and a batch of manifests (or a GitOps sync) often repeats one schedule many times over.

/** Keys longer than this are computed every time: a schedule is short, and the cache must stay small. */
const MAX_KEY = 256;

/** `compute` remembered for up to `size` keys, all forgotten at once when full. Answers must be immutable. */
export function remembered<T>(compute: (key: string) => T, size = 1000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    if (key.length > MAX_KEY) return compute(key);
    let answer = cache.get(key);
    if (answer === undefined && !cache.has(key)) {
      if (cache.size >= size) cache.clear();
      answer = compute(key);
      cache.set(key, answer);
    }
    return answer as T;
  };
}
