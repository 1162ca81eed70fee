"""Signs one request with botocore's SigV4Auth and prints its headers as
JSON; run by test_aws_clients.py with the pyenv Python (it has botocore):

    python3 sigv4_sign.py METHOD URL KEY_ID SECRET REGION SERVICE OFFSET_SECONDS < body

OFFSET_SECONDS moves the signing clock (negative: in the past)."""
import datetime
import json
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

method, url, key_id, secret, region, service, offset = sys.argv[1:8]
body = sys.stdin.buffer.read()
req = AWSRequest(method=method, url=url, data=body)
when = datetime.datetime.utcnow() + datetime.timedelta(seconds=int(offset))
with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
    botocore.auth.SigV4Auth(Credentials(key_id, secret), service, region).add_auth(req)
print(json.dumps(dict(req.headers.items())))
