import os

from piccolo.conf.apps import AppConfig

from backend.hotel.tables import HotelBooking, HotelHotel, HotelNight, HotelRoomType

APP_CONFIG = AppConfig(
    app_name="hotel",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[HotelHotel, HotelRoomType, HotelNight, HotelBooking],
)
