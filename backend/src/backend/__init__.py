"""My Suqian core API: business rules and persistence."""
