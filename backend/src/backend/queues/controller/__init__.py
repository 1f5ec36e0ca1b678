"""The queues routes: operators' admin, the public halls and board, citizens' bookings and numbers,
kiosks, counters, and the live stream."""
