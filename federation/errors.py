"""Why a federation step refused a peer's input, as one exception tree callers can catch at any level.

```
FederationError                 anything the protocol library refuses
└── SignatureError              an HTTP signature cannot be trusted (the inbox answers 401)
    ├── MissingSignature        no signature, or a header, parameter or component it must cover is absent
    ├── BadSignature            malformed, or the cryptographic check failed (perhaps a rotated key: refetch once)
    ├── ExpiredSignature        made too long ago, or too far in the future (the Mastodon time window)
    ├── DigestMismatch          Digest / Content-Digest does not match the body that arrived
    ├── UnsupportedAlgorithm    a signature or digest algorithm, or a key type, we do not accept
    └── InvalidKey              a PEM key that cannot be read, or one too weak to trust
├── FetchError                  (fetch.py) a GET of a peer's document failed or was refused; `.gone` for 410
├── WebFingerError              (webfinger_client.py) a handle could not be resolved
│   └── WebFingerNotFound       the peer says no such account
├── FederationParseError        (parse_actor.py) a document is not an actor we can trust
└── JSONLDError                 (jsonld.py) a context we do not bundle, or a document pyld refuses
```

Each class lives in the module that raises it. Messages say what was wrong for logs; they never
contain key material. Outbound refusals by the SSRF guard are `client.OutboundRefused`, an
`aiohttp.ClientError`, so they fail like any connection error.
"""

from __future__ import annotations


class FederationError(Exception):
    """Root of every refusal raised by `essaim.federation`."""


class SignatureError(FederationError):
    """An HTTP signature cannot be trusted; the request is treated as unsigned."""


class MissingSignature(SignatureError):
    """No signature, or something the signature must cover is absent from it or from the request."""


class BadSignature(SignatureError):
    """The signature is malformed or does not verify with the key."""


class ExpiredSignature(SignatureError):
    """The signature's time lies outside the accepted window."""


class DigestMismatch(SignatureError):
    """The body digest header does not match the body received."""


class UnsupportedAlgorithm(SignatureError):
    """A signature or digest algorithm, or a key type, that we do not accept."""


class InvalidKey(SignatureError):
    """A key that cannot be parsed, is of an unusable type, or is too short."""
