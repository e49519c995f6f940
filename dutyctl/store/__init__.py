"""The only code that touches files, git, the network and the clock.

The plan file and its cache, the KPI log file and its index, the repository, a remote
clone, the announcement's delivery, the safe-write rule. See CONTRIBUTING.md.
"""
