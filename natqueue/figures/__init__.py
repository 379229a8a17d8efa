"""Figures: pure arithmetic (``arithmetic``), the organizer's live read (``dashboard``) and
alerts (``alerts``)."""
