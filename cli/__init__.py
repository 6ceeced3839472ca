"""The `essaim` command: set up, run and administer a node."""
