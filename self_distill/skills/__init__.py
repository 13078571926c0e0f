"""Skills: small verified Python programs that answer a recurring kind of task without a model.

- ``contract``: what a skill module defines (``solve``, optional ``applies``).
- ``examples``: a family's labelled examples split into shown and held-out (the one split that
  creation and verification share).
- ``creation/``: prompts, code extraction, forgotten-import fixing, sampling and repair
  (``SkillCreator``), and one creation end to end (``run_creation``).
- ``verification/``: the checks, the ``Verdict`` with reason codes, the verifier's settings, and
  the ``VerificationRecord`` stored beside each skill.
- ``store/``: versioned skill folders on disk with manifests, and re-verification.

Users start from :mod:`self_distill.api` (``create_skill``, ``verify_skill``, ``open_store``).
"""
