"""The internal boundary and partner domains, judged on host names alone (actors/partners.py)."""

from __future__ import annotations

import pytest

from essaim.actors.models import Community
from essaim.actors.partners import admits, boundary_refusal, clean_domain, host_listed, is_internal

INTERNAL = ("a.example", "127.0.0.1:8081")


def community(*, external: bool = False, partners: tuple[str, ...] = ()) -> Community:
    return Community(actor_id=1, external=external, partner_domains=list(partners))


@pytest.mark.parametrize(
    ("host", "listed"),
    [
        ("a.example", True),
        ("A.example:8443", True),  # an entry without a port names the host on any port
        ("b.example", False),
        ("127.0.0.1:8081", True),
        ("127.0.0.1:8082", False),  # an entry with a port names that server only
        ("sub.a.example", False),
    ],
)
def test_hosts_match_as_the_allowlist_does(host: str, listed: bool) -> None:
    assert host_listed(INTERNAL, host) is listed


def test_the_default_boundary_lets_everyone_in_and_local_people_are_always_inside() -> None:
    assert is_internal(("*",), "anyone.example")
    assert is_internal((), None) and is_internal(INTERNAL, None)
    assert not is_internal((), "a.example")


def test_an_internal_community_admits_internal_servers_only() -> None:
    internal = community()
    assert admits(internal, INTERNAL, None) and admits(internal, INTERNAL, "a.example")
    assert not admits(internal, INTERNAL, "acme.example")
    assert (
        boundary_refusal(internal, INTERNAL, "acme.example") == "This community is for the company's own servers only"
    )


def test_an_external_community_admits_its_partner_domains_too() -> None:
    customers = community(external=True, partners=("acme.example",))
    assert admits(customers, INTERNAL, "acme.example") and admits(customers, INTERNAL, "a.example")
    assert not admits(customers, INTERNAL, "rival.example")
    assert boundary_refusal(customers, INTERNAL, "rival.example") == (
        "rival.example is not a partner domain of this community"
    )
    assert boundary_refusal(customers, INTERNAL, "acme.example") is None


def test_partner_domains_of_an_internal_community_admit_nobody() -> None:
    assert not admits(community(partners=("acme.example",)), INTERNAL, "acme.example")


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (" ACME.example ", "acme.example"),
        ("https://acme.example/", "acme.example"),
        ("127.0.0.1:9000", "127.0.0.1:9000"),
    ],
)
def test_partner_domains_are_stored_clean(value: str, stored: str) -> None:
    assert clean_domain(value) == stored


@pytest.mark.parametrize("value", ["", "*", "someone@acme.example", "two words"])
def test_what_is_not_a_domain_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a domain"):
        clean_domain(value)
