"""The InfoPO sandbox's task families as gyms for the reference trainer (verl + SGLang).

    from infopo_sandbox_gym import make_env
    env = make_env("InfoPOSandbox-intent", request_id=rid, **create_kwargs)   # reset already
    obs, reward, terminated, truncated, info = env.step("[action] ask time ?")
"""

from .env import ENV_PREFIX, SandboxEnv, make_env, reference_score, sandbox_action, tables
from .rng import Rng

ENV_NAMES = tuple(ENV_PREFIX + f for f in ("intent", "20q", "code", "travel", "mastermind"))

__all__ = ["ENV_NAMES", "ENV_PREFIX", "Rng", "SandboxEnv", "make_env", "reference_score", "sandbox_action", "tables"]
