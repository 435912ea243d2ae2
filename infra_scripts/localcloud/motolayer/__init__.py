"""What touches moto itself: checked, recorded and undoable patches (:mod:`.patching`) and
moto-wide speed-ups (:mod:`.speedups`)."""
