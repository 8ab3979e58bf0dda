"""The worker: the scheduler's tick, the outbox sender and the matchday planner.

`matchday worker` runs it on its own; `matchday serve` and `matchday socket` run it inside
the web process unless told not to. It imports neither Bolt nor the listener modules.
"""
