"""Use cases: keyword-only functions taking session=...; the only layer that commits."""
