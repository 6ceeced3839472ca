"""ActivityPub and discovery routes: actor documents, collections, inboxes, WebFinger, NodeInfo."""
