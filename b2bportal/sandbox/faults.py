"""Faults on demand: how badly the sandbox's network behaves in one run.

Every rate is a share between 0 and 1, decided with a seeded random generator so
a run can be repeated exactly. Written on the command line as
`duplicate=0.3,reorder=0.2,delay=0.5,delay_max=4,lose=0.1,error_5xx=0.2,timeout=0.05,refuse=0.1`.

- duplicate: a webhook we send to the app is delivered twice.
- reorder: a webhook is held back so the one after it arrives first.
- delay / delay_max: a webhook arrives up to `delay_max` seconds late.
- lose: a result (`resp-*`) is never delivered.
- error_5xx / timeout: the app's call to us is answered 503, or not answered
  before its read timeout (handled by the HTTP core, `server.py`).
- refuse: a request of the app is refused at the door (4xx with errorCd), though
  it breaks no rule (handled by the HTTP core).
- refuse_200: the same refusal inside an HTTP 200 (`response_code` 1, result
  FAILURE), as a gateway that always answers 200 would send it.
- fail: a request of the app is acknowledged, then its result says FAILURE, as a
  network whose downstream checks fail would.

The HTTP core (`server.py`) has its own `Faults` for answers to our calls;
`FaultPlan.apply_to(server)` sets them from this plan.
"""

import random
from dataclasses import dataclass, field, fields

FAULT_NAMES = ("duplicate", "reorder", "delay", "lose", "error_5xx", "timeout", "refuse",
               "refuse_200", "fail")  # fmt: skip


@dataclass
class FaultPlan:
    """Per-run fault rates and the seeded generator that decides each case."""

    duplicate: float = 0.0
    reorder: float = 0.0
    delay: float = 0.0
    delay_max: float = 3.0
    lose: float = 0.0
    error_5xx: float = 0.0
    timeout: float = 0.0
    refuse: float = 0.0
    refuse_200: float = 0.0
    fail: float = 0.0
    timeout_seconds: float = 20.0  # longer than our client's read timeout
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        for name in FAULT_NAMES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault rate {name}={value} must be between 0 and 1")
        if self.delay_max < 0 or self.timeout_seconds < 0:
            raise ValueError("delay_max and timeout_seconds must not be negative")
        self._rng = random.Random(f"faults-{self.seed}")

    @classmethod
    def parse(cls, text: str, seed: int = 0) -> "FaultPlan":
        """Faults from `name=value,...` (unknown names are an error, so typos show)."""
        known = {f.name for f in fields(cls) if f.init and f.name != "seed"}
        values: dict[str, float] = {}
        for item in (text or "").split(","):
            item = item.strip()
            if not item:
                continue
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ValueError(
                    f"unknown fault {item!r}; use name=rate with name in {sorted(known)}"
                )
            values[name] = float(value)
        return cls(seed=seed, **values)

    def happens(self, name: str) -> bool:
        """Decide (seeded) whether fault `name` strikes this time."""
        rate = getattr(self, name)
        return rate > 0 and self._rng.random() < rate

    def extra_delay(self) -> float:
        """Seconds a delayed webhook waits on top of the normal delay."""
        return self._rng.uniform(0.2 * self.delay_max, self.delay_max)

    def apply_to(self, server) -> None:
        """Set the HTTP core's answer faults (5xx, timeouts, refusals) from this plan."""
        server.faults.set_rates(
            error=self.error_5xx,
            refusal=self.refuse,
            refusal_200=self.refuse_200,
            slow=self.timeout,
            slow_seconds=self.timeout_seconds,
            seed=self.seed,
        )

    def describe(self) -> str:
        active = [f"{name}={getattr(self, name)}" for name in FAULT_NAMES if getattr(self, name)]
        return ", ".join(active) or "none"
