"""labkit's benchmark suite: every figure measured against a baseline in the same run (``make bench``)."""
