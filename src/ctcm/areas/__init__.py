"""The program areas, one package each: each declares what it owes, when, and what closes it
(``AREA`` in its ``__init__``, read by ctcm.registry), its section of status, and its part of the packet."""
