"""What local actors do: actions, their audience, and signed delivery to peers (built by issues #4 and #5)."""
