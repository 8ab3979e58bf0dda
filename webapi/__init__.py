"""Web API helpers both processes share (the web app and the worker): no Bolt here."""
