"""Utility bills (公共事業繳費): water, electricity and gas accounts linked to citizens, paid through
the payment feature, the utility told of each payment once."""
