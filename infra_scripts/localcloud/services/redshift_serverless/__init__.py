"""Redshift Serverless for the local cloud: a backend moto 5.2.5 does not have.

moto's server finds a backend by URL pattern (``moto.backend_index.backend_url_patterns``),
imports ``moto.<name>`` for its ``<name>_backends`` and routes by the sibling ``urls``
module. :func:`install` registers this package's modules under ``moto.redshiftserverless``
and puts its URL pattern first, before the server serves its first request.
"""
