"""The local cloud keeps its state across restarts, crashes and reboots.

- :mod:`.store`: the state folder on disk — one snapshot of every service's state, the S3
  bodies as content-addressed files, and a manifest, the only commit point (written atomically,
  so a crash leaves the last complete snapshot, never a torn one); a folder written by another
  kit, moto or Python is refused, naming what differs and how to start empty.
- :mod:`.pickling`: the snapshot's pickler: locks, weak references, processes and sockets of
  live work have reducers, S3 bodies go to blob files, and objects of the server itself
  (:class:`~..runtime.ServerContext`) are references to the live ones.
- :mod:`.keeper`: takes the snapshots (a request that changed state is answered only once a
  snapshot taken after it is on disk; changes on worker threads are saved soon after), loads
  them at start before the first request, and runs the services' restart fix-ups.
"""
