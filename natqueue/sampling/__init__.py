"""Sampling: tubes (``tubes``), home visits (``home``), rounds (``rounds``) and the lab's
records, traces and audit log (``records``)."""
