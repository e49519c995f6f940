"""dutyctl: share out social-media and blog duties in a small team, and measure them."""

__version__ = "0.1.0"
