"""Figures: pure arithmetic (``arithmetic``), the organizer's live read (``dashboard``),
alerts (``alerts``), the calling screen's board (``board``) and the public list of sites with
the calmer-site suggestion (``public_list``)."""
