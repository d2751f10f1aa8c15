"""moto_server with two fixes, for the tests and the demo (docs/aws-errors.md, "Concurrent
requests" and "The rolling update's cloud effects").

One request at a time. moto's server answers each request on its own thread, but its backends are
plain dicts, and some handlers walk a dict that others change: DescribeSecurityGroupRules walks
every VPC's groups while a lookup of a group by name and VPC can add a VPC to that same dict, for
one. Two such requests in one account can meet, and one of them answers an HTML "500 Internal
Server Error" (getmoto/moto#372 is the oldest report of moto's thread safety). The suite met it
once in CI, on the first plan of a new cluster. AWS answers each request as if it ran alone; the
wrapper below lets one request into moto at a time. The answer is written to the socket after
the lock is released.

A launch template version's user data: moto 5.2 asserts that a version's UserData is already
wrapped as its Base64EncodedString. CreateLaunchTemplate wraps it; CreateLaunchTemplateVersion
does not, so an autoscaling group launching from any later version with user data (every version
`update cluster` makes) answers HTTP 500. AWS launches it. The fix wraps the string the way
CreateLaunchTemplate does; nothing else changes. When moto no longer has the assertion the fix is
a no-op.

And three things moto does on every request, or in the first request of a new account, that answer
the same each time: made once. Answered one at a time, moto's time per request is time every other
request waits (the apply benchmark's "undelayed apply"; docs/aws-errors.md, "Time per request").
- Finding a request's backend lists moto's package directory and stats each of its 170 entries,
  twice a request (about 1.8 ms): the list is read once at start.
- Each response class's method names are looked up with `inspect.getmembers` per request:
  remembered per class.
- A KMS key makes an RSA private key when created (about 100 ms), even a symmetric one such as the
  account's default EBS key that the first encrypted volume of each account creates: it is made
  when first used (Sign, Verify, GetPublicKey), and answers as before.
"""
import functools
import sys
import threading

from moto import backends
from moto.core import responses
from moto.ec2.models import launch_templates
from moto.ec2.utils import parse_user_data
from moto.kms import models as kms_models
from moto.moto_server import werkzeug_app


def _user_data(self):
    value = self.data.get("UserData")
    if value is not None and not isinstance(value, launch_templates.Base64EncodedString):
        value = parse_user_data(value)
        self.data["UserData"] = value
    return value


launch_templates.LaunchTemplateVersion.user_data = property(_user_data)

_modules = frozenset(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _modules
responses.method_names_from_class = functools.cache(responses.method_names_from_class)


class _Deferred:
    """A KMS key's private key, made when first used."""

    __slots__ = ("spec",)

    def __init__(self, spec):
        self.spec = spec


_make_private_key = kms_models.generate_private_key
kms_models.generate_private_key = _Deferred


def _private_key(self):
    key = self.__dict__["_private_key"]
    if isinstance(key, _Deferred):
        key = self.__dict__["_private_key"] = _make_private_key(key.spec)
    return key


def _set_private_key(self, key):
    self.__dict__["_private_key"] = key


kms_models.Key.private_key = property(_private_key, _set_private_key)

_one_at_a_time = threading.Lock()
_dispatch = werkzeug_app.DomainDispatcherApplication.__call__


def _serialized(self, environ, start_response):
    with _one_at_a_time:
        return _dispatch(self, environ, start_response)


werkzeug_app.DomainDispatcherApplication.__call__ = _serialized

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
