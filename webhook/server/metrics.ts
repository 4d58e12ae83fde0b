// Prometheus metrics (README "Install and operate"), in a registry of their own so tests can start many servers.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CacheSync } from "../references/resolver.js";

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "cnp_webhook_requests_total",
    help: "Admission requests answered, by webhook and verdict.",
    labelNames: ["webhook", "allowed"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "cnp_webhook_request_duration_seconds",
    help: "Time to answer an admission request, by webhook.",
    labelNames: ["webhook"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: "cnp_webhook_requests_in_flight",
    help: "Admission requests being answered now.",
    registers: [this.registry],
  });
  readonly ruleErrors = new Counter({
    name: "cnp_webhook_rule_errors_total",
    help: "Rules that threw instead of judging (a bug in the webhook), by rule.",
    labelNames: ["rule"] as const,
    registers: [this.registry],
  });
  readonly wouldDeny = new Counter({
    name: "cnp_webhook_would_deny_total",
    help: "Admissions that deny mode would have refused but the enforcement mode (--enforcement warn, --warn-only) admitted, by rule.",
    labelNames: ["rule"] as const,
    registers: [this.registry],
  });
  readonly lookups = new Counter({
    name: "cnp_webhook_reference_lookups_total",
    help: "Reference lookups (Secret, Cluster, Backup), by kind and outcome (present, absent, unknown).",
    labelNames: ["kind", "outcome"] as const,
    registers: [this.registry],
  });
  readonly certificateReloads = new Counter({
    name: "cnp_webhook_certificate_reloads_total",
    help: "Serving certificate loads and refusals, by outcome: success; failure (not a usable pair); expired, not-yet-valid, wrong-name (a pair the apiserver would refuse).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly certificateRefused = new Gauge({
    name: "cnp_webhook_certificate_refused",
    help: "1 while the certificate files hold a pair refused for this reason (the previous pair keeps serving); 0 once a pair is loaded.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly filesExhausted = new Counter({
    name: "cnp_webhook_file_descriptors_exhausted_total",
    help: "Times the process ran out of file descriptors (EMFILE/ENFILE), by what it was doing.",
    labelNames: ["during"] as const,
    registers: [this.registry],
  });
  readonly certificateExpiry = new Gauge({
    name: "cnp_webhook_certificate_expiry_timestamp_seconds",
    help: "When the serving certificate in use expires (Unix time), for alerts before it does.",
    registers: [this.registry],
  });

  /** The watch caches the cache gauges read at each scrape (`watchCaches`). */
  private caches: CacheSync | undefined;
  readonly cacheSynced = new Gauge({
    name: "cnp_webhook_cache_synced",
    help: "1 while a watch cache (Cluster, Backup) is synced and current: listed, its watch up or down for under 5 s; 0 while lookups that depend on it answer 'could not verify'.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
    collect: () => {
      for (const h of this.caches?.health() ?? []) this.cacheSynced.set({ kind: h.kind }, h.current ? 1 : 0);
    },
  });
  readonly cacheAge = new Gauge({
    name: "cnp_webhook_cache_last_update_age_seconds",
    help: "Seconds since a watch cache last learnt something: a list, a watch event or a bookmark.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
    collect: () => {
      const now = Date.now();
      for (const h of this.caches?.health() ?? []) if (h.lastUpdate !== undefined) this.cacheAge.set({ kind: h.kind }, (now - h.lastUpdate) / 1000);
    },
  });
  readonly cacheRelists = new Counter({
    name: "cnp_webhook_cache_relists_total",
    help: "Lists of a watch cache after its first: after a watch failed, or its history expired (410).",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly cacheErrors = new Counter({
    name: "cnp_webhook_cache_errors_total",
    help: "Failed lists and watches of a watch cache, by kind and what failed (list, watch).",
    labelNames: ["kind", "during"] as const,
    registers: [this.registry],
  });

  /** Reports these caches in the cnp_webhook_cache_* metrics. */
  watchCaches(caches: CacheSync): void {
    this.caches = caches;
    caches.observe((event) => {
      if (event.type === "synced" && !event.first) this.cacheRelists.inc({ kind: event.kind });
      else if (event.type === "error") this.cacheErrors.inc({ kind: event.kind, during: event.during });
    });
  }

  constructor({ processMetrics = true }: { processMetrics?: boolean } = {}) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
