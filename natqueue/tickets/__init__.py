"""Tickets: ids and ticket codes (``ids``), documents (``documents``), lanes (``lanes``), joining
(``joining``), every move after it (``moves``), how tickets are seen (``views``) and the wait
estimate (``pace``)."""
