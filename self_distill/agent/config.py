"""Every setting of the agent's online loop, in one documented dataclass (saved with the run)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from self_distill.errors import ConfigError

LabelMode = Literal["feedback", "teacher", "none"]
LABEL_MODES: tuple[str, ...] = ("feedback", "teacher", "none")


@dataclass(frozen=True)
class AgentConfig:
    """How the agent learns while it answers.

    Labels
        ``labels``: where a task's reference answer comes from: ``feedback`` (the data's target,
        as a user's correction would), ``teacher`` (the model's own answer: self-distillation
        with no ground truth) or ``none`` (no labels: nothing is created, drift is checked
        against the model).
    Evidence
        ``warmup``: tasks answered by the model before the first clustering.
        ``recluster_every``: re-cluster everything seen every this many tasks (ids stay).
    Creation (a skill is created for a cluster only when it pays)
        ``min_examples``: labelled members a cluster needs before a creation is tried;
        ``n_shown`` of them are shown to the creator, the rest (at most ``max_heldout``) judge.
        ``horizon``: future tasks over which savings are counted. A creation is tried when
        ``p_success * share * horizon * tokens_per_task`` exceeds ``creation_tokens``, where
        ``share`` is the cluster's share of the stream so far, ``tokens_per_task`` the mean model
        tokens of its tasks, and ``p_success`` the creator's record so far, (accepted + 1) /
        (tried + 2).
        ``creation_tokens``: token budget of one creation (the creator stops sampling there).
        ``creation_budget``: tokens all creations of a run may spend together.
        ``candidates``: candidates sampled per creation.
        ``backoff_growth``: after a failed creation, the cluster must grow by this factor
        before the same creator tries it again.
    Membership
        ``adopt_solved_noise``: at every re-clustering, labelled noise tasks that the verified
        skill of the nearest served cluster answers right join that cluster; a served
        cluster's threshold grows to just inside (``EVIDENCE_MARGIN``) its nearest remembered
        non-member the skill is not known to answer right; and a new task HDBSCAN calls noise
        joins the nearest cluster whose threshold contains it
        (``ClusterConfig.noise_to_nearest``). Off by default, as issue 12 sends noise to the
        model; in exp005 it sent every later word_sort task to the skill and no one-off.
    Drift watch
        ``drift_sample``: share of skill answers checked (against the label, else the model,
        whose tokens count). The watch judges the last ``drift_window`` checks: once there are
        at least ``drift_min_checks``, a skill is demoted when the Wilson upper bound of their
        agreement falls below its verified held-out accuracy's lower bound minus
        ``drift_margin``. A skill that turns wrong on every task is demoted within
        ``drift_window`` checks (within ``drift_min_checks`` when it is wrong from the start).
    Student tier (off unless ``student_every`` is set)
        ``student_every``: every this many tasks, train a fresh LoRA student on the run's
        curated answers of every cluster without a skill that has ``student_min_examples``
        curated examples outside its held-out share ``student_heldout`` (those tasks only judge
        it), for ``student_epochs`` epochs; each cluster it passes on is answered by it.
    RLM tier
        ``rlm``: answer an input longer than the model's window in RLM mode (the whole input as
        a variable in the sandboxed REPL) instead of cutting it, and clusters where
        :meth:`~self_distill.agent.agent.Agent.compare_rlm` showed RLM clearly better;
        ``rlm_max_iterations``: root-model turns per RLM answer.
    ``seed`` seeds the drift sample and the creations; ``max_tokens`` caps each model answer.
    """

    labels: LabelMode = "feedback"
    warmup: int = 60
    recluster_every: int = 100
    min_examples: int = 40
    n_shown: int = 12
    max_heldout: int = 200
    horizon: int = 2000
    creation_tokens: int = 8000
    creation_budget: int = 60000
    candidates: int = 6
    backoff_growth: float = 2.0
    adopt_solved_noise: bool = False
    drift_sample: float = 0.05
    drift_min_checks: int = 5
    drift_window: int = 20
    drift_margin: float = 0.1
    student_every: int = 0
    student_min_examples: int = 30
    student_heldout: float = 0.3
    student_epochs: int = 2
    rlm: bool = True
    rlm_max_iterations: int = 6
    max_tokens: int = 48
    seed: int = 0

    def __post_init__(self) -> None:
        if self.labels not in LABEL_MODES:
            raise ConfigError(
                f"labels must be one of {', '.join(LABEL_MODES)}, got {self.labels!r}"
            )
        positive = ("warmup", "recluster_every", "min_examples", "n_shown", "max_heldout")
        counts = (
            "horizon",
            "creation_tokens",
            "candidates",
            "drift_min_checks",
            "drift_window",
            "rlm_max_iterations",
        )
        for name in (*positive, *counts):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"AgentConfig.{name} must be at least 1, got {getattr(self, name)}"
                )
        if self.n_shown >= self.min_examples:
            raise ConfigError("AgentConfig.n_shown must be below min_examples (held-out needed)")
        if self.creation_budget < 0 or self.backoff_growth < 1.0:
            raise ConfigError("AgentConfig.creation_budget must be >= 0 and backoff_growth >= 1")
        if self.student_every < 0 or self.student_min_examples < 1 or self.student_epochs < 1:
            raise ConfigError(
                "AgentConfig.student_every must be >= 0, student_min_examples and "
                "student_epochs at least 1"
            )
        if not 0.0 < self.student_heldout < 1.0:
            raise ConfigError("AgentConfig.student_heldout must lie strictly between 0 and 1")
        if not 0.0 <= self.drift_sample <= 1.0 or not 0.0 <= self.drift_margin <= 1.0:
            raise ConfigError("AgentConfig.drift_sample and drift_margin must lie in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
