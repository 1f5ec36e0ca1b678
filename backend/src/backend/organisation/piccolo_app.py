import os

from piccolo.conf.apps import AppConfig

from backend.organisation.tables import Organisation, OrganisationGrant

APP_CONFIG = AppConfig(
    app_name="organisation",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Organisation, OrganisationGrant],
)
