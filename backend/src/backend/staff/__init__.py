"""Staff accounts (operators, counter staff): the bootstrap operator, password login, lockout."""
