"""The catalogue of service items (事项): what a citizen can apply for, and each item's form."""
