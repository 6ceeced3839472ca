"""Domain model and storage: actors, their objects and relations, and the rules over them.

Imports nothing above it (`web`, `inbox`, `outbox`, `federation`): see docs/architecture.md.
"""
