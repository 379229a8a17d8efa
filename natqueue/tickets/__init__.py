"""Tickets: ids and ticket codes (``ids``), documents (``documents``), lanes (``lanes``), joining
(``joining``), every move after it (``moves``), what a station's scan means and the check-in
rules (``scan``), how tickets are seen (``views``) and the wait estimate (``pace``)."""
