"""Inbound Create, Update, Delete, Like, Announce and their Undo: remote posts and interactions."""

from __future__ import annotations
