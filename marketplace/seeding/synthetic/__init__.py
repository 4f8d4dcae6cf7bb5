"""A deterministic synthetic marketplace with known ground truth.

``build_world(params)`` plants the latent facts (per-product price elasticities, price
schedules and promotions, users' category interests and price bands, seasonality);
``Simulator(world).days()`` yields what happened, one day at a time (bounded memory);
``truth_json(world)`` is the ground truth. The same seed gives the same world, the same
days and the same bytes of truth. Writing to a database is in ``writer``.
"""

from marketplace.seeding.synthetic.params import ParamsError, SyntheticParams
from marketplace.seeding.synthetic.sessions import Simulator
from marketplace.seeding.synthetic.truth import ground_truth, truth_json, write_truth
from marketplace.seeding.synthetic.world import World, build_world

__all__ = [
    "ParamsError",
    "Simulator",
    "SyntheticParams",
    "World",
    "build_world",
    "ground_truth",
    "truth_json",
    "write_truth",
]
