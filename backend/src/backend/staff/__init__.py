"""Staff accounts (operators, counter staff): the bootstrap operator, throttled password login."""
