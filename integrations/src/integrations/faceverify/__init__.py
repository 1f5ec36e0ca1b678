"""Face verification (人脸核身): a liveness check and a comparison with the identity's portrait."""

from integrations.faceverify.client import FaceVerifyClient
from integrations.faceverify.schemas import FaceResult, FaceSession, FaceStatus

__all__ = ["FaceResult", "FaceSession", "FaceStatus", "FaceVerifyClient"]
