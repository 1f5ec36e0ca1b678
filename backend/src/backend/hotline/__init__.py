"""The 12345 hotline: complaints, reports, suggestions and consultations, their replies, ratings."""
