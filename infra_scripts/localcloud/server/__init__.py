"""The local-cloud server process: the WSGI application, the wire-protocol front door,
keep-alive connections and the in-process loopback.

Run as ``python -m infra_scripts.localcloud.server --port P --state-dir D``.
"""
