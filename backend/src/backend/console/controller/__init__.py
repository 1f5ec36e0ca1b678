"""The console's pages: sign-in, then one module per screen."""
