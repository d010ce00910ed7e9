"""Running the site: backups and restores, database and cache outage handling, the cache backend,
signed session keys, log filters, request guards, health checks, client addresses and rate limits,
mail delivery, the audit log (``audit``). Infrastructure with no editorial rules: it imports nothing else of the app, so
every wing may use it.
"""
