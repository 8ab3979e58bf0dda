"""What `GET /metrics` shows (Prometheus): requests, Slack calls, and what the worker owes.

Counters and histograms live in this process; the outbox's depth, the oldest due row,
due check-ins and the tick's age are read from the database at each scrape, so every web
process reports the same figures about the shared work.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Histogram(
    "matchday_request_seconds",
    "Time to answer Slack, by request kind",
    ["kind"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5),
)
SLACK_CALLS = Counter(
    "matchday_slack_calls_total", "Web API calls, by method", ["method"], registry=REGISTRY
)
SLACK_ERRORS = Counter(
    "matchday_slack_errors_total",
    "Web API calls that failed, by method and Slack's error code",
    ["method", "error"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "matchday_slack_rate_limited_total",
    "Web API calls Slack answered with 429, by method",
    ["method"],
    registry=REGISTRY,
)
SIGNATURE_FAILURES = Counter(
    "matchday_signature_failures_total",
    "Requests refused because Slack's signature was missing, stale or wrong",
    registry=REGISTRY,
)
