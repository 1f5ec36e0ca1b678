"""E-licence credentials: SD-JWT VC issue/present/verify, status lists, consent log."""
