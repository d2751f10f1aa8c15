"""moto_server with one fix, for the tests (docs/aws-errors.md, "Launch templates and autoscaling").

moto 5.2 asserts that a launch template version's UserData is already wrapped as its
Base64EncodedString. CreateLaunchTemplate wraps it; CreateLaunchTemplateVersion does not, so an
autoscaling group launching from any later version with user data (every version `update cluster`
makes) answers HTTP 500. AWS launches it. The fix wraps the string the way CreateLaunchTemplate
does; nothing else changes. When moto no longer has the assertion the fix is a no-op.
"""
import sys

from moto.ec2.models import launch_templates
from moto.ec2.utils import parse_user_data


def _user_data(self):
    value = self.data.get("UserData")
    if value is not None and not isinstance(value, launch_templates.Base64EncodedString):
        value = parse_user_data(value)
        self.data["UserData"] = value
    return value


launch_templates.LaunchTemplateVersion.user_data = property(_user_data)

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
