"""Browser tests: the real app in a subprocess, driven through Debian's Chromium."""
