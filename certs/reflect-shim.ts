/**
 * @peculiar/x509 resolves its algorithm providers through tsyringe, which refuses to
 * load unless the Reflect metadata API exists ("tsyringe requires a reflect polyfill").
 * The project does not depend on `reflect-metadata`, so this installs the four
 * functions tsyringe actually calls (getMetadata, getOwnMetadata, defineMetadata,
 * hasOwnMetadata). It must be imported before @peculiar/x509; a real polyfill wins.
 */
type Key = unknown;
const store = new WeakMap<object, Map<Key, unknown>>();

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R["getMetadata"] !== "function") {
  const own = (target: object): Map<Key, unknown> | undefined => store.get(target);
  R["defineMetadata"] = (key: Key, value: unknown, target: object): void => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  };
  R["hasOwnMetadata"] = (key: Key, target: object): boolean => own(target)?.has(key) ?? false;
  R["getOwnMetadata"] = (key: Key, target: object): unknown => own(target)?.get(key);
  // Like reflect-metadata: walk the prototype chain.
  R["getMetadata"] = (key: Key, target: object): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const m = own(t);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
}

export {};
