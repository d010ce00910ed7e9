"""Django's PostgreSQL backend, with a bound on how long a connection waits for an answer.

A server that accepts connections and never answers (a frozen PostgreSQL, a stuck pooler or
proxy, a half-open connection) is invisible to TCP: the other end acknowledges every packet,
so keepalives and ``tcp_user_timeout`` never fire, and ``statement_timeout`` is the server's
own clock, which is not running. psycopg would wait on the socket for ever, and the request's
thread with it. Here every wait of a connection (queries, fetches, commit, rollback) is
bounded by the ``answer_timeout`` option, in seconds (``None`` or 0: unbounded). When it
expires the connection is closed and ``OperationalError`` raised, which the site answers with
a 503 (articles/operations/outages.py); the next request opens a new connection. Connecting
is bounded by libpq's ``connect_timeout`` option.

With an ``answer_timeout``, the health check of a persistent connection at the start of a
request (``CONN_HEALTH_CHECKS``) waits at most ``HEALTH_CHECK_TIMEOUT`` seconds: a connection
that cannot answer ``SELECT 1`` that fast is replaced, which costs a reconnection, not an error.
"""

import types

import psycopg
from django.db.backends.postgresql import base

WaitTimeout = psycopg.errors._WaitTimeout  # what Connection.wait() raises when its timeout expires
HEALTH_CHECK_TIMEOUT = 2.0


class BoundedConnection(psycopg.Connection):
    answer_timeout: float | None = None

    def wait(self, gen, interval=0.1, timeout=None):
        if timeout is None and self.answer_timeout:
            timeout = self.answer_timeout
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except WaitTimeout:
            # Half-way through a message exchange: the connection cannot be used again.
            self.pgconn.finish()
            raise psycopg.OperationalError(f"no answer from the database server in {timeout:g} s") from None


class _Psycopg(types.ModuleType):
    """psycopg as Django's backend sees it, except that ``connect`` makes bounded connections."""

    connect = staticmethod(BoundedConnection.connect)

    def __getattr__(self, name):
        return getattr(psycopg, name)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg("psycopg")

    def get_connection_params(self):
        params = super().get_connection_params()
        self.answer_timeout = params.pop("answer_timeout", None)
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if isinstance(connection, BoundedConnection):  # not from a pool (OPTIONS["pool"])
            connection.answer_timeout = self.answer_timeout
        return connection

    def is_usable(self):
        if not isinstance(self.connection, BoundedConnection) or not self.connection.answer_timeout:
            return super().is_usable()
        bound = self.connection.answer_timeout
        self.connection.answer_timeout = min(bound, HEALTH_CHECK_TIMEOUT)
        try:
            return super().is_usable()
        finally:
            self.connection.answer_timeout = bound
