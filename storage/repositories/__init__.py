"""Repository functions: the only place that queries the tables.

Every function takes the caller's ``session`` as a keyword and never commits; the
handler or job that calls it owns the transaction.
"""
