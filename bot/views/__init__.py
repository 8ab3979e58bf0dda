"""Block Kit builders: pure functions returning messages and views as dicts."""
