from backend.feature import Feature

FEATURE = Feature(name="parking", piccolo_app="backend.parking.piccolo_app")
