"""Many plans: budget frontiers, named variants side by side, what-if re-solves.

This layer sits above :func:`siting.pipeline.run` (one scenario, one verified plan) and below the CLI: each
function here plans scenarios derived from one (a budget changed, buildings kept, a facility forced open)
through ``pipeline.run`` and returns labelled pandas tables with a ``plan`` index level. Nothing below it knows
about sweeps. The work for one plan is a pure function of (scenario, options, warm start), so that an executor
can farm points out later.
"""
