"""The only code that touches files, git, the network and the clock."""
