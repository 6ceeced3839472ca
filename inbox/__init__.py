"""What peers send: verify, store, dispatch and apply inbound activities (built by the federation issue, #5)."""
