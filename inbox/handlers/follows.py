"""Inbound Follow, Accept, Reject and Undo{Follow}: relationships with remote actors."""

from __future__ import annotations
