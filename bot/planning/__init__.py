"""The matchday planner, in layers that import only downwards.

* :mod:`bot.planning.planner` - the entry point: ``solve``, ``greedy``, ``replan``, ``repair``;
* :mod:`bot.planning.exact` - integer programs solved by HiGHS (and the LP-guided heuristic
  for days too large for them);
* :mod:`bot.planning.greedy` - the heuristic: construction, repair, gap-closing;
* :mod:`bot.planning.indexed` - a problem numbered for the solvers, and back to a plan;
* :mod:`bot.planning.problem` - the problem, the plan, and the rules a plan keeps.

Nothing is imported here, so importing the model (``bot.planning.problem``) does not load
HiGHS: the worker's planner child caps its memory before it loads the solver.
"""
