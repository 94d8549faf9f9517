"""The whole offline EnKash in one object: HTTP core, network behaviour, webhooks back.

    with OfflineEnKash(app_url="http://127.0.0.1:8000", webhook_token="...") as enkash:
        # point the app's ENKASH_BASE_URL at enkash.url
        enkash.play("demo-day")

Used by `manage.py sandbox`, `make run` and the end-to-end tests.
"""

from .faults import FAULT_NAMES, FaultPlan
from .network import Network
from .scenarios import SCENARIOS, play
from .server import SandboxServer
from .webhooks import WebhookSender


class OfflineEnKash:
    """A SandboxServer whose requests the Network decides, with webhooks to the app."""

    def __init__(
        self,
        app_url: str,
        *,
        webhook_token: str = "",
        signing_secret: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = "",
        client_secret: str = "",
        plan: FaultPlan | None = None,
        result_delay: float = 0.5,
        buyer_delay: float = 2.0,
        buyer_policy: dict[str, float] | None = None,
        play_buyers: bool = True,
        strict: bool = False,
        seed: int = 0,
    ):
        self.plan = plan or FaultPlan(seed=seed)
        self.sender = WebhookSender(
            app_url, token=webhook_token, signing_secret=signing_secret, faults=self.plan
        )
        self.network = Network(
            self.sender,
            plan=self.plan,
            result_delay=result_delay,
            buyer_delay=buyer_delay,
            buyer_policy=buyer_policy,
            play_buyers=play_buyers,
            strict=strict,
            seed=seed,
        )
        self.server = SandboxServer(
            host,
            port,
            on_request=self.network.on_request,
            client_id=client_id,
            client_secret=client_secret,
            seed=seed,
        )
        self.plan.apply_to(self.server)
        self.seed = seed

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "OfflineEnKash":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.sender.close()

    def __enter__(self) -> "OfflineEnKash":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def set_faults(self, plan: FaultPlan) -> None:
        """Switch this run's faults (webhooks, answers, results) to `plan`."""
        self.plan = self.sender.faults = self.network.plan = plan
        plan.apply_to(self.server)

    def play(
        self,
        name: str,
        *,
        seed: int | None = None,
        today=None,
        wait: bool = True,
        pace: float = 1.0,
        down_seconds: float | None = None,
    ):
        """Play scenario `name`, with its own faults added to this run's."""
        scenario = SCENARIOS[name]
        if scenario.faults:
            extra = FaultPlan.parse(scenario.faults, seed=self.seed)
            merged = {k: max(getattr(self.plan, k), getattr(extra, k)) for k in FAULT_NAMES}
            self.set_faults(FaultPlan(seed=self.seed, delay_max=self.plan.delay_max, **merged))
        return play(
            self.network,
            name,
            seed=self.seed if seed is None else seed,
            today=today,
            server=self.server,
            wait=wait,
            pace=pace,
            down_seconds=down_seconds,
        )
