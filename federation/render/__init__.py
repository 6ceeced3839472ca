"""Internal rows → ActivityStreams documents, one shape per module; renderers never query."""
