"""Hotel bookings a citizen made (the key code sealed)."""

from __future__ import annotations

from backend.hotel.tables import HotelBooking, HotelHotel, HotelNight, HotelRoomType
from backend.personal_data import Category, Held, PersonalData

PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="hotel_bookings",
            description="Your hotel bookings: hotel, room type, nights, amounts, room and door key code",
            purpose="Booking rooms and self check-in (酒店預訂)",
            legal_basis="PIPL art. 13(2): the contract you make; the hotel registers guests itself "
            "(Public Security Administration Punishments Law)",
            retention="While the account is open; the payment is kept as a financial record",
        ),
    ),
    held=(
        Held(table=HotelBooking, category="hotel_bookings", sealed={"key_code": "hotel_booking.key_code"}),
    ),
    unrelated={
        HotelHotel: "hotels (operators' catalogue)",
        HotelRoomType: "room types",
        HotelNight: "per-night inventory counters",
    },
)
