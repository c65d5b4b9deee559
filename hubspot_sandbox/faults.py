"""Fault injection: the failures a HubSpot client must survive, on demand.

Kinds: ``429`` (a ten-secondly rate-limit answer), ``500``, ``502``, ``503``, ``slow`` (answer
normally after ``slow_seconds``), ``drop`` (close the connection without processing or
answering) and ``drop_after`` (process the request, so the change is applied, then close the
connection without answering: the "lost reply" case that tests idempotency).

Deterministic ``rules`` fire first, e.g. ``{"method": "POST", "kind": "drop_after",
"path": "/crm/v3/objects/deals/batch/upsert", "count": 1}`` (path exact or prefix, method
optional, count = how many times). Then a random fault hits a request with probability
``rate``, its kind drawn from ``kinds``.
"""

import random
import threading

KINDS = ("429", "500", "502", "503", "slow", "drop", "drop_after")
ERROR_KINDS = ("429", "500", "502", "503")


class FaultInjector:
    """Decides, request by request, whether and how to fail."""

    def __init__(self):
        self._lock = threading.Lock()
        self.configure()

    def configure(self, rate=0.0, kinds=ERROR_KINDS, slow_seconds=2.0, seed=None, rules=None):
        """Replace the whole fault configuration (ValueError on a bad one)."""
        kinds = tuple(str(k) for k in kinds)
        rules = [dict(rule) for rule in rules or []]
        unknown = [k for k in kinds + tuple(str(r.get("kind")) for r in rules) if k not in KINDS]
        if unknown:
            raise ValueError(f"Unknown fault kinds {unknown}; known: {list(KINDS)}")
        if not 0.0 <= float(rate) <= 1.0 or (float(rate) > 0 and not kinds):
            raise ValueError("rate must be within 0..1 and needs at least one kind")
        if any(not r.get("path") for r in rules):
            raise ValueError("Every rule needs a path")
        for rule in rules:
            rule["kind"] = str(rule["kind"])
            rule["count"] = int(rule.get("count", 1))
            rule["method"] = str(rule["method"]).upper() if rule.get("method") else None
        with self._lock:
            self.rate = float(rate)
            self.kinds = kinds
            self.slow_seconds = float(slow_seconds)
            self.seed = seed
            self.rules = rules
            self._random = random.Random(seed)

    def config(self):
        """The current configuration, rules with the count they have left."""
        with self._lock:
            return {
                "rate": self.rate,
                "kinds": list(self.kinds),
                "slow_seconds": self.slow_seconds,
                "seed": self.seed,
                "rules": [dict(r) for r in self.rules],
            }

    def pick(self, method, path):
        """The fault kind for this request, or None."""
        with self._lock:
            for rule in self.rules:
                if rule["count"] <= 0 or rule["method"] not in (None, method):
                    continue
                if path == rule["path"] or path.startswith(rule["path"]):
                    rule["count"] -= 1
                    return rule["kind"]
            if self.rate and self._random.random() < self.rate:
                return self._random.choice(self.kinds)
        return None
